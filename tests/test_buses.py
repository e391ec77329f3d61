"""Instance arrays and port buses: expanded before validation, equal to the spelled-out
netlist, errors at the bus line naming the offending index."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.errors import NetlistError
from emulator import load_netlist

ROOT = Path(__file__).resolve().parent.parent


def chain(n: int, bus: bool) -> dict:
    """n DACs driving n modulators lit by a splitter, spelled out or with buses."""
    if bus:
        inst = {"dac[0:%d]" % n: {"component": "dac"},
                "mod[0:%d]" % n: {"component": "modulator"}}
        conns = {"split,out[0:%d]" % n: "mod[0:%d],in0" % n,
                 "dac[0:%d],e_out" % n: "mod[0:%d],drive" % n}
        ports = {"d[0:%d]" % n: "dac[0:%d],d_in" % n, "o[0:%d]" % n: "mod[0:%d],out0" % n}
    else:
        inst = {**{f"dac{i}": {"component": "dac"} for i in range(n)},
                **{f"mod{i}": {"component": "modulator"} for i in range(n)}}
        conns = {**{f"split,out{i}": f"mod{i},in0" for i in range(n)},
                 **{f"dac{i},e_out": f"mod{i},drive" for i in range(n)}}
        ports = {**{f"d{i}": f"dac{i},d_in" for i in range(n)},
                 **{f"o{i}": f"mod{i},out0" for i in range(n)}}
    return {"version": 1, "instances": {
        "laser": {"component": "laser"}, "split": {"component": "splitter", "params": {"n": n}},
        **inst}, "connections": {"laser,out0": "split,in0", **conns}, "ports": ports}


def key(net):
    return (list(net.instances), [(c.src, c.src_port, c.dst, c.dst_port) for c in net.connections],
            list(net.ports.items()))


def test_buses_expand_to_the_spelled_out_netlist():
    assert key(load_netlist(chain(3, True))) == key(load_netlist(chain(3, False)))


@pytest.mark.parametrize("n", [4, 8, 16, 32])
def test_shipped_cores_are_written_with_arrays(n):
    text = (ROOT / "netlists" / f"onn_core_{n}.yaml").read_text()
    assert f"dac[0:{n}]" in text and "dac1:" not in text
    net = load_netlist(ROOT / "netlists" / f"onn_core_{n}.yaml")
    assert net.external("in") == [f"in{i}" for i in range(n)]
    assert net.ports[f"out{n - 1}"] == (f"adc{n - 1}", "d_out")
    assert net.counts()["tia"] == n


def write(tmp_path, text: str) -> Path:
    f = tmp_path / "bus.yaml"
    f.write_text(text)
    return f


BASE = """version: 1
instances:
  wg[0:3]: {component: waveguide, params: {length: "10 um"}}
connections:
  "wg[0:2],out0": "wg[1:3],in0"
ports:
"""


def test_a_bus_that_reaches_a_missing_port_names_the_index_at_its_line(tmp_path):
    f = write(tmp_path, BASE + '  in0: "wg0,in0"\n  out[0:2]: "wg[1:3],out0"\n'
              '  o2: "wg[2:3],out1"\n')
    with pytest.raises(NetlistError) as err:
        load_netlist(f)
    (p,) = [p for p in err.value.problems if "no port" in p.message]
    assert (p.path, p.line) == ("ports.o2", 9)
    assert "instance 'wg2' (waveguide) has no port 'out1'" in p.message


@pytest.mark.parametrize("ports, message", [
    ('  in0: "wg0,in0"\n  out[0:3]: "wg[1:3],out0"\n', "bus widths differ: 'out[0:3]' is 3 wide"),
    ('  in0: "wg0,in0"\n  out[2:2]: "wg[1:3],out0"\n', "empty range [2:2]"),
    ('  in0: "wg0,in0"\n  out[0:2]: "wg[1:3],out[0:1]"\n', "a range on both the instance"),
    ('  in0: "wg0,in0"\n  out[0:2: "wg[1:3],out0"\n', "cannot read"),
])
def test_bus_mistakes_are_errors_at_the_bus_line(tmp_path, ports, message):
    f = write(tmp_path, BASE + ports)
    with pytest.raises(NetlistError) as err:
        load_netlist(f)
    found = [p for p in err.value.problems if message in p.message]
    assert found and found[0].line == 8, err.value
