# The IPython profile of the kernel that executes the chapters while Sphinx builds the
# book (docs/conf.py points IPYTHONDIR at a copy of this folder in docs/_build).
c = get_config()  # noqa: F821 (IPython provides it)

# ipykernel warns that its local TCP sockets are not encrypted, once per chapter; the
# kernel only talks to the build on this machine. Errors still show.
c.IPKernelApp.log_level = "ERROR"
