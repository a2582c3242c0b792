"""Differentiable ops. Each op computes its result and, right below, the
function that sends the gradient back to its inputs."""
