"""Every socket the headend has, and nothing else: the control socket for `qfp cli`, the RADIUS CoA
UDP listener, the loop they share, and starting and stopping them together."""
