"""HAL error types.  Device faults during the cycle are *status*, not
exceptions; these are for configuration mistakes (bad URL, double claim)."""


class HalError(Exception):
    """Base for HAL configuration errors."""


class HalUrlError(HalError, ValueError):
    """A HAL URL that cannot be used: unknown scheme, bad parameter."""


class DeviceBusyError(HalError):
    """An actuator already has an owner."""


class CommandRangeError(HalError, ValueError):
    """An actuator command outside its allowed range; refused, never clamped."""
