#!/usr/bin/python3
"""Writes the seed corpus of requests_fuzz: calls a tablet and an engineer make, in the
fuzzer's input format ([method byte][length byte][request bytes]...), the methods numbered
as the fuzzer numbers them (the unary methods of each service, in the .proto's order).
An owner_token "T" stands for the token of the last session the input started.

usage: make_request_seeds.py PYTHON_STUBS_DIR OUT_DIR   (stubs: build/python)"""
import os
import sys

sys.path.insert(0, sys.argv[1])
from dermad.v1 import (device_pb2, engineering_pb2, log_pb2, simulator_pb2,  # noqa: E402
                       treatment_pb2, common_pb2)

SERVICES = [(device_pb2, "DeviceService"), (engineering_pb2, "EngineeringService"),
            (simulator_pb2, "Simulator"), (treatment_pb2, "TreatmentService"),
            (log_pb2, "LogService")]
methods = []
for module, name in SERVICES:
    for m in module.DESCRIPTOR.services_by_name[name].methods:
        if not (m.client_streaming or m.server_streaming):
            methods.append(m.name)


def call(method, message):
    data = message.SerializeToString()
    assert len(data) < 256, method
    return bytes([methods.index(method), len(data)]) + data


answers = treatment_pb2.ScreeningAnswers(consultation_done=True)
start = treatment_pb2.StartSessionRequest(protocol="general", zone="cheeks", depth_um=1000,
                                          speed_hz=100, answers=answers, operator_id="dr-a",
                                          patient_ref="p-1")
seeds = {
    "status": call("GetStatus", device_pb2.GetStatusRequest()),
    "screen": call("ScreenPatient", treatment_pb2.ScreenPatientRequest(
        answers=treatment_pb2.ScreeningAnswers(pregnant=True, isotretinoin_last_dose="2026-11-01"))),
    "session": call("InsertCartridge", simulator_pb2.InsertCartridgeRequest(
        serial="C-FUZZ-1", type=common_pb2.CARTRIDGE_TYPE_STANDARD, needles=36,
        expires="2030-12-31"))
    + call("StartSession", start)
    + call("UpdateSession", treatment_pb2.UpdateSessionRequest(owner_token="T", zone="forehead",
                                                              depth_um=500))
    + call("SetTrigger", simulator_pb2.SetSwitchRequest(on=True))
    + call("EndSession", treatment_pb2.EndSessionRequest(owner_token="T")),
    "jog": call("Jog", engineering_pb2.JogRequest(depth_um=800, speed_hz=100, duration_ms=200)),
    "estop": call("SetEstop", simulator_pb2.SetSwitchRequest(on=True))
    + call("AcknowledgeAlarms", device_pb2.AcknowledgeAlarmsRequest())
    + call("SetEstop", simulator_pb2.SetSwitchRequest(on=False)),
    "records": call("GetRecordsInfo", log_pb2.GetRecordsInfoRequest())
    + call("VerifyLog", log_pb2.VerifyLogRequest())
    + call("ListSessions", treatment_pb2.ListSessionsRequest(since="2026-01-01", limit=5)),
}
os.makedirs(sys.argv[2], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[2], name), "wb") as f:
        f.write(data)
print("%d seeds, %d methods" % (len(seeds), len(methods)))
