"""Shared test configuration: hypothesis profiles and the PyTorch oracle switch."""

import os

from hypothesis import HealthCheck, settings

# 'ci' is deterministic so a red run can be reproduced; 'long' is for `nox -s fuzz`.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
