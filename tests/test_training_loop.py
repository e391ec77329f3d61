"""The training loop: reproducibility, schedule, divergence, argument checks, results."""

from __future__ import annotations

import numpy as np
import pytest

from emulator.data import load_dataset
from components.errors import DivergenceError, UserError
from emulator.training import dense_net, evaluate, fit, lr_at, train
from emulator.training.methods import StepOptions


def plain_accuracy(weights, X, y):
    """ReLU network, softmax-free argmax, in float64 numpy: nothing of the package."""
    x = np.asarray(X, dtype=np.float64).T
    for W in weights[:-1]:
        x = np.maximum(np.asarray(W, dtype=np.float64) @ x, 0.0)
    return float(np.mean((np.asarray(weights[-1], dtype=np.float64) @ x).argmax(axis=0) == y))


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", 1)


def test_same_seed_same_history_other_seed_differs(digits):
    kw = dict(layers=[64, 16, 10], epochs=4, progress=False, dropout=0.1)
    a = train(digits, seed=7, **kw)
    b = train(digits, seed=7, **kw)
    c = train(digits, seed=8, **kw)
    assert a == b
    assert a.test_accuracy_per_epoch == b.test_accuracy_per_epoch
    assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights))
    assert a != c
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_methods_share_initial_weights_for_a_seed(digits):
    a = train(digits, layers=[64, 16, 10], method="frozen", epochs=1, seed=3, progress=False)
    b = train(digits, layers=[64, 16, 10], method="tpfp", epochs=1, seed=3, progress=False,
              lr=1e-9)
    np.testing.assert_allclose(a.weights[0], b.weights[0], atol=1e-6)  # frozen kept init


def test_history_contents(digits):
    h = train(digits, layers=[64, 16, 10], epochs=5, batch=100, progress=False)
    assert h.epochs == 5 and len(h.train_loss_per_epoch) == 5
    assert h.counters["steps"] == 5 * int(np.ceil(len(digits.y_train) / 100))
    assert [w.shape for w in h.weights] == [(16, 64), (10, 16)]
    assert all(w.dtype == np.float32 for w in h.weights)
    assert h.lr_per_epoch == [0.1, 0.1, 0.1, 0.01, 0.001]  # ×0.1 at 60 % and 90 % (3, 4)
    assert evaluate(h, digits.X_test, digits.y_test) == pytest.approx(h.test_accuracy)
    d = h.to_dict()
    assert set(d["history"]) == {"epoch", "train_accuracy", "test_accuracy", "train_loss",
                                 "test_loss", "lr"}
    assert d["history"]["epoch"] == [1, 2, 3, 4, 5]


def test_lr_schedule():
    lrs = [lr_at(e, 100, 0.1) for e in range(100)]
    assert lrs[59] == 0.1 and lrs[60] == pytest.approx(0.01) and lrs[89] == pytest.approx(0.01)
    assert lrs[90] == pytest.approx(0.001) and lrs[99] == pytest.approx(0.001)
    assert lr_at(0, 1, 0.1) == 0.1 and lr_at(5, 10, 0.1, schedule=False) == 0.1


@pytest.mark.parametrize("method", ["tpfp", "bp"])
def test_divergence_raises_with_epoch_and_layer(digits, method):
    with pytest.raises(DivergenceError) as err:
        train(digits, layers=[64, 32, 10], method=method, activation="square", lr=100,
              epochs=3, progress=False)
    text = str(err.value)
    assert "epoch 1" in text and "layer" in text and "smaller learning rate" in text
    assert "e.g. lr=10)" in text  # the suggestion is concrete


def test_bad_arguments_are_user_errors_listing_every_problem(digits):
    with pytest.raises(UserError) as err:
        train(digits, layers=[64, 0, 9], method="tpfq", activation="relux", epochs=0,
              lr=-1, dropout=1.0, output_error="pass3", progress=False)
    text = str(err.value)
    for piece in ("did you mean 'tpfp'", "did you mean 'relu'", "epochs", "lr",
                  "dropout", "output_error", "layers"):
        assert piece in text
    with pytest.raises(UserError, match="end the layers with 10"):
        train(digits, layers=[64, 32, 9], progress=False)
    with pytest.raises(UserError, match="did you mean 'reprogram_drift'"):
        train(digits, layers=[64, 8, 10], progress=False,
              hardware={"core": "netlists/onn_core_16.yaml", "reprogram_drfit": 0.1})


def test_train_accepts_a_spec_and_progress_bar_runs(capsys):
    h = train("xor", layers=[3, 2, 2], activation="square", epochs=3, batch=4, progress=True)
    assert h.epochs == 3
    assert "epochs" in capsys.readouterr().err  # rich progress on stderr


def test_evaluate_checks_shapes(digits):
    h = train(digits, layers=[64, 8, 10], epochs=1, progress=False)
    with pytest.raises(UserError):
        evaluate(h, digits.X_test[:, :10], digits.y_test)
    with pytest.raises(UserError):
        evaluate("not a model", digits.X_test, digits.y_test)


def test_final_accuracies_are_those_of_the_returned_weights(digits):
    """Recomputed from the weights alone: a stale model, a score on the wrong set or
    weights copied before the last epoch all show up here."""
    h = train(digits, layers=[64, 16, 10], epochs=4, progress=False)
    n_test, n_train = len(digits.y_test), len(digits.y_train)
    test = plain_accuracy(h.weights, digits.X_test, digits.y_test)
    train_acc = plain_accuracy(h.weights, digits.X_train, digits.y_train)
    assert abs(h.test_accuracy - test) <= 1.5 / n_test  # float32 vs float64: one sample
    assert abs(h.train_accuracy - train_acc) <= 1.5 / n_train
    assert h.test_accuracy != pytest.approx(h.train_accuracy, abs=1e-9)  # two sets


@pytest.mark.parametrize("method", ["tpfp", "bp", "frozen", "bp_modulated"])
def test_one_trainer_whichever_entry_point(digits, method):
    """train() is fit() on a Net of dense layers: the same history, bit for bit."""
    kw = dict(epochs=3, lr=0.05, batch=32, seed=4)
    a = train(digits, layers=[64, 16, 10], method=method, dropout=0.2, momentum=0.8,
              progress=False, **kw)
    opts = StepOptions(activation="relu", momentum=0.8, dropout=0.2, fscale=0.05)
    b = fit(digits, dense_net([64, 16, 10]), method, opts, progress=False, **kw)
    assert a.curves() == b.curves()
    assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights))


def test_trainer_settings_keep_the_scenario_schema_bounds():
    """Declared once for the trainers; until the scenario schema reuses them, the two
    must agree on every bound and choice they share."""
    from emulator.scenario.schema import SCHEMA
    from emulator.training.settings import MODEL_FIELDS, TRAINING_FIELDS

    pairs = [(TRAINING_FIELDS, SCHEMA["training"].fields, k)
             for k in ("epochs", "lr", "batch", "fscale", "momentum", "output_error")]
    pairs += [(MODEL_FIELDS, SCHEMA["model"].fields, "dropout")]
    for mine, theirs, key in pairs:
        a, b = mine[key], theirs[key]
        assert (a.lo, a.hi, set(a.choices)) == (b.lo, b.hi, set(b.choices)), key
    assert set(TRAINING_FIELDS["method"].choices) == set(
        SCHEMA["training"].fields["methods"].item.fields["method"].choices)
    layers = MODEL_FIELDS["layers"].item, SCHEMA["model"].fields["layers"].item
    assert (layers[0].lo, layers[0].hi) == (layers[1].lo, layers[1].hi)
