"""Issue 14, item 3: with `no aaa new-model` IOS has no dynamic-author server, so CoA stops
working: a request is dropped unanswered (as IOS drops it) and the log says so once per source;
`aaa new-model` again brings it back."""
from coa_helpers import SEED_AUDIT_ID, decode_reply, request, seed_device
from qfp_model.control.radius import packet as P

SOURCE = ("127.0.0.1", 40000)


def coa(service):
    data = request([f"audit-session-id={SEED_AUDIT_ID}", "ip:sub-qos-policy-in=2M"]).RequestPacket()
    return service.handle(data, SOURCE)


def test_coa_is_dropped_and_logged_without_aaa_new_model(fastpath_class):
    headend, service = seed_device(fastpath_class)
    with headend:
        terminal = headend.open_terminal()
        terminal.execute("configure terminal")
        terminal.execute("no aaa new-model")
        terminal.execute("end")
        assert coa(service) is None and coa(service) is None
        assert headend.device.session("Virtual-Access1").aaa.policy_in is None
        logged = [line for line in headend.device.logbuf if "COA_AAA_OFF" in line]
        assert len(logged) == 1 and "from 127.0.0.1" in logged[0] and "'aaa new-model'" in logged[0]
        assert service.aaa_off_drops == 2

        terminal.execute("configure terminal")
        terminal.execute("aaa new-model")
        reply = coa(service)
        assert reply is not None and decode_reply(reply).code == P.COA_ACK
        assert headend.device.session("Virtual-Access1").aaa.policy_in == "2M"
