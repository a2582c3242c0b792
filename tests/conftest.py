"""Shared test configuration: hypothesis profiles and the PyTorch oracle switch."""

import os

from hypothesis import settings

from micrograd_plus.book.fuzz_programs import register_profiles

# 'ci' is deterministic so a red run can be reproduced; 'long' is for `nox -s fuzz`.
register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
