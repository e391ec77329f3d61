"""Every component of the library, in one tuple (see :func:`components.default_registry`)."""

from __future__ import annotations

from .electronics.adc import ADC
from .electronics.dac import DAC
from .electronics.digital import DIGITAL_UNIT, DRAM, SRAM
from .electronics.balanced_pd import BALANCED_PHOTODETECTOR
from .electronics.laser import LASER
from .electronics.modulator import MODULATOR
from .electronics.multi_laser import MULTI_LASER
from .electronics.photodetector import PHOTODETECTOR
from .electronics.tia import TIA
from .optics.attenuator import ATTENUATOR
from .optics.coupler import COUPLER
from .optics.crossing import CROSSING
from .optics.mzi import MZI
from .optics.phase_shifter import PHASE_SHIFTER
from .optics.ring import RING
from .optics.splitter import COMBINER, SPLITTER
from .optics.terminator import DARK, TERMINATOR
from .optics.waveguide import WAVEGUIDE
from .optics.wdm import WDM_DEMUX, WDM_MUX

ALL = (
    COUPLER, WAVEGUIDE, PHASE_SHIFTER, MZI, ATTENUATOR, SPLITTER, COMBINER, CROSSING,
    TERMINATOR, DARK,
    LASER, MODULATOR, PHOTODETECTOR, TIA, ADC, DAC,
    SRAM, DRAM, DIGITAL_UNIT,
    RING, WDM_MUX, WDM_DEMUX, MULTI_LASER, BALANCED_PHOTODETECTOR,
)
