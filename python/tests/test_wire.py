"""The door protocol's messages: the appendix byte for byte, and malformed messages
refused with the field and offset that are wrong."""

from __future__ import annotations

import struct

import pytest

from ostium import wire

APPENDIX_CALL = bytes.fromhex(
    "02000000 07000000 03000000 0400000000000000 00000000 00000000 0000000001000000"
)
APPENDIX_REPLY = bytes.fromhex("03000000 07000000 00000000 0200000000000000 00000000 2a00")


def test_the_appendix_call_and_reply_encode_and_decode_byte_for_byte() -> None:
    assert wire.encode_call(7, 3, b"\x01\x00\x00\x00") == APPENDIX_CALL
    call = wire.decode_call(APPENDIX_CALL, 0)
    assert (call.id, call.op, call.args, call.leases) == (7, 3, b"\x01\x00\x00\x00", [])
    assert wire.encode_reply(7, 0, b"\x2a\x00") == APPENDIX_REPLY
    reply = wire.decode_reply(APPENDIX_REPLY, 0, [])
    assert (reply.id, reply.status, reply.data) == (7, 0, b"\x2a\x00")


def test_hello_round_trips_and_its_rules_are_checked() -> None:
    hello = wire.Hello(max_message=65536, capabilities=wire.Capability.MEMFD)
    assert wire.Hello.decode(hello.encode(), 0, from_server=False) == hello
    raw = bytearray(hello.encode())
    raw[4:8] = b"DOOX"
    with pytest.raises(wire.DecodeError) as err:
        wire.Hello.decode(bytes(raw), 0, from_server=False)
    assert err.value.field == "magic" and err.value.offset == 4
    small = wire.Hello(max_message=100).encode()
    with pytest.raises(wire.DecodeError, match="max_message"):
        wire.Hello.decode(small, 0, from_server=True)
    with pytest.raises(wire.DecodeError, match="instance"):
        wire.Hello.decode(wire.Hello(4096, instance=b"x" * 16).encode(), 0, from_server=False)
    with pytest.raises(wire.DecodeError, match="length"):
        wire.Hello.decode(hello.encode()[:40], 0, from_server=False)


def test_leases_travel_in_order_and_come_back() -> None:
    specs = [
        wire.LeaseSpec(wire.READ, wire.INLINE, 3),
        wire.LeaseSpec(wire.WRITE, wire.MEMFD, 100),
        wire.LeaseSpec(wire.READ | wire.WRITE, wire.INLINE, 2),
    ]
    msg = wire.encode_call(1, 5, b"args", leases=specs, inline_contents=[b"abc", b"xy"])
    call = wire.decode_call(msg, 1)
    assert call.leases == specs and call.inline == {0: b"abc", 2: b"xy"}
    assert call.memfd_count() == 1
    reply = wire.encode_reply(1, 0, b"ok", lease_contents=[b"zz"])
    assert wire.decode_reply(reply, 0, [2]).lease_contents == [b"zz"]


@pytest.mark.parametrize(
    "change, field_name",
    [
        (lambda m: m.__setitem__(1, 2), "flags"),
        (lambda m: m.__setitem__(slice(18, 20), b"\x01\x00"), "reserved"),
        (lambda m: m.__setitem__(slice(12, 16), struct.pack("<I", 9)), "arg_len"),
        (lambda m: m.append(0), "length"),
        (lambda m: m.__setitem__(slice(16, 18), b"\x01\x00"), "fd_count"),
        (lambda m: m.__setitem__(slice(2, 4), struct.pack("<H", 65)), "lease_count"),
        (lambda m: m.__setitem__(0, 9), "kind"),
    ],
)
def test_a_malformed_call_is_refused_with_its_field(change, field_name: str) -> None:
    msg = bytearray(APPENDIX_CALL)
    change(msg)
    with pytest.raises(wire.DecodeError) as err:
        wire.decode_call(bytes(msg), 0)
    assert err.value.field == field_name, str(err.value)
    assert wire.call_id(bytes(msg)) in (7, None)


def test_a_malformed_reply_is_refused() -> None:
    fault = bytearray(wire.encode_fault(7, wire.Fault.BAD_MESSAGE))
    assert wire.decode_reply(bytes(fault), 0, []).status == wire.Fault.BAD_MESSAGE
    fault[12] = 1  # a fault with data
    with pytest.raises(wire.DecodeError, match="status"):
        wire.decode_reply(bytes(fault), 0, [])
    with pytest.raises(wire.DecodeError, match="lease_count"):
        wire.decode_reply(APPENDIX_REPLY, 0, [4])
    with pytest.raises(wire.DecodeError, match="data_len"):
        wire.decode_reply(APPENDIX_REPLY[:-1], 0, [])
    with pytest.raises(wire.DecodeError, match="fd_count"):
        wire.decode_reply(APPENDIX_REPLY, 1, [])


def test_every_truncation_of_a_call_is_refused_without_a_crash() -> None:
    msg = wire.encode_call(
        9,
        1,
        b"payload",
        leases=[wire.LeaseSpec(wire.READ, wire.INLINE, 4)],
        inline_contents=[b"abcd"],
    )
    for cut in range(len(msg)):
        with pytest.raises(wire.DecodeError):
            wire.decode_call(msg[:cut], 0)
