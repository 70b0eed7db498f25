"""Sub-commands of ``hmi-app`` beyond run/sim/check-config, one module each (see cli.EXTRA_COMMANDS)."""
