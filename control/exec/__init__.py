"""The exec side of the CLI: the commands (show, clear, sim, debug), a user's terminal (exec or
configure mode) and the interactive shell that drives a terminal in-process or over the socket."""
