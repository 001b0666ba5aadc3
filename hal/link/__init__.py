"""Serial link protocol: COBS frames with CRC-16, reliable commands.

The codec and the reliability state machines are the C in csrc/link, shared
with the board firmware; this package wraps them.  See docs/protocol.md.
"""
from hal.link.codec import (  # noqa: F401
    Frame, FrameDecoder, Identify, LinkError, ReliableReceiver, ReliableSender,
    cobs_encode, crc16, encode_frame,
    MAX_PAYLOAD, MAX_WIRE, WINDOW,
    T_CMD, T_ACK, T_NAK, T_TLM, T_EVENT, T_HEARTBEAT, T_IDENTIFY_REQ, T_IDENTIFY,
    T_CLOCK_REQ, T_CLOCK, F_ACK, F_OPEN, F_RETX,
    NAK_OUT_OF_ORDER, NAK_NO_SESSION, NAK_CORRUPT, NAK_BUSY,
    RX_IGNORED, RX_EXECUTE, RX_OPENED, RX_DUPLICATE, RX_OUT_OF_ORDER, RX_NO_SESSION, RX_HELD,
    HOLD,
)
