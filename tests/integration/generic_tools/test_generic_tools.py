"""dermad as a generic gRPC tool sees it (#16): a client that has none of dermad's proto
files, only the standard health and reflection protocols, as grpc_health_probe, grpcurl or an
app's health check are. It finds the pen NOT_SERVING while it homes and while its records
cannot be written, SERVING otherwise; lists the services by reflection; and calls them with
messages built from the descriptors the server sends, as grpcurl does.

Run by ctest with PYTHONPATH at the generated health and reflection stubs (and nothing of
dermad's), DERMAD_BIN and DERMAD_PROTOCOLS in the environment.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory

# Generated from protos/ (packages grpc.health.v1 and grpc.reflection.v1alpha on the wire; as
# modules of their own here, beside grpcio's own `grpc` package).
import health_pb2
import health_pb2_grpc
import reflection_pb2
import reflection_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Daemon:
    """dermad --sim on a socket of its own; `channel` is usable once the socket exists."""

    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="dermad-generic-")
        self.socket = os.path.join(self.dir, "dermad.sock")
        self.log = open(os.path.join(self.dir, "dermad.log"), "w")
        self.proc = subprocess.Popen(
            [os.environ["DERMAD_BIN"], "--sim", "--socket", self.socket, "--protocols",
             os.environ["DERMAD_PROTOCOLS"], "--state-dir", self.dir, "--loop-stall-ms", "1000",
             *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket) and time.monotonic() < deadline:
            time.sleep(0.002)
        self.channel = grpc.insecure_channel("unix:" + self.socket)

    def stop(self):
        self.channel.close()
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def output(self):
        with open(os.path.join(self.dir, "dermad.log")) as f:
            return f.read()


class Watcher:
    """Health.Watch("") read on a thread of its own: every status the server sends."""

    def __init__(self, channel):
        self.statuses = []
        self.call = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(service=""))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for r in self.call:
                self.statuses.append(r.status)
        except grpc.RpcError:
            pass

    def wait_for(self, status, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if status in self.statuses:
                return True
            time.sleep(0.02)
        return False

    def cancel(self):
        self.call.cancel()


class Reflected:
    """dermad's services as reflection describes them, callable with dynamic messages."""

    def __init__(self, channel):
        self.channel = channel
        self.stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        self.pool = descriptor_pool.DescriptorPool()
        self.factory = message_factory.MessageFactory(self.pool)

    def ask(self, **request):
        replies = list(self.stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(**request)]), timeout=5))
        assert len(replies) == 1, replies
        return replies[0]

    def services(self):
        return sorted(s.name for s in self.ask(list_services="").list_services_response.service)

    def load(self, symbol):
        files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in
                 self.ask(file_containing_symbol=symbol).file_descriptor_response.file_descriptor_proto]
        added = set()
        # Dependencies first: the server sends the file and those it imports.
        while files:
            ready = [f for f in files if all(d in added or self._known(d) for d in f.dependency)]
            assert ready, [f.name for f in files]
            for f in ready:
                if not self._known(f.name):
                    self.pool.Add(f)
                added.add(f.name)
                files.remove(f)

    def _known(self, name):
        try:
            self.pool.FindFileByName(name)
            return True
        except KeyError:
            return False

    def call(self, service, method, **fields):
        self.load(service)
        m = self.pool.FindServiceByName(service).FindMethodByName(method)
        request = self.factory.GetPrototype(m.input_type)(**fields)
        reply_class = self.factory.GetPrototype(m.output_type)
        rpc = self.channel.unary_unary("/%s/%s" % (service, method),
                                       request_serializer=lambda r: r.SerializeToString(),
                                       response_deserializer=reply_class.FromString)
        return rpc(request, timeout=5), m.output_type


class GenericTools(unittest.TestCase):
    def test_health_is_not_serving_while_homing_then_serving(self):
        d = Daemon()
        try:
            watch = Watcher(d.channel)
            self.assertTrue(watch.wait_for(SERVING, 20), d.output())
            # The API answered before the pen had homed; it said so first.
            self.assertEqual(watch.statuses[0], NOT_SERVING, watch.statuses)
            self.assertEqual(watch.statuses[-1], SERVING)
            health = health_pb2_grpc.HealthStub(d.channel)
            for service in ["", "dermad.v1.DeviceService", "dermad.v1.TreatmentService",
                            "dermad.v1.LogService", "dermad.v1.EngineeringService",
                            "dermad.v1.Simulator"]:
                self.assertEqual(health.Check(health_pb2.HealthCheckRequest(service=service),
                                              timeout=5).status, SERVING, service)
            with self.assertRaises(grpc.RpcError) as unknown:
                health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
            self.assertEqual(unknown.exception.code(), grpc.StatusCode.NOT_FOUND)
            watch.cancel()
        finally:
            d.stop()

    def test_reflection_lists_the_services_and_describes_them_well_enough_to_call(self):
        d = Daemon()
        try:
            health_pb2_grpc.HealthStub(d.channel).Check(health_pb2.HealthCheckRequest(),
                                                         timeout=20, wait_for_ready=True)
            r = Reflected(d.channel)
            services = r.services()
            for want in ["dermad.v1.DeviceService", "dermad.v1.EngineeringService",
                         "dermad.v1.LogService", "dermad.v1.Simulator",
                         "dermad.v1.TreatmentService", "grpc.health.v1.Health"]:
                self.assertIn(want, services)
            deadline = time.monotonic() + 20
            while True:
                status, _ = r.call("dermad.v1.DeviceService", "GetStatus")
                state = status.DESCRIPTOR.fields_by_name["state"].enum_type.values_by_number[
                    status.state].name
                if state == "STATE_IDLE" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(state, "STATE_IDLE")
            # What the service answers a bad request is as clear to a generic tool.
            with self.assertRaises(grpc.RpcError) as bad:
                r.call("dermad.v1.LogService", "ReadEvents", min_severity="catastrophic")
            self.assertEqual(bad.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn("min_severity", bad.exception.details())
            error = r.ask(file_containing_symbol="dermad.v1.NoSuchThing").error_response
            self.assertEqual(error.error_code, grpc.StatusCode.NOT_FOUND.value[0])
        finally:
            d.stop()

    def test_a_client_flooding_health_watches_leaves_the_pen_answering(self):
        # The health service is outside the gate's per-caller stream limit: a client that
        # opens many Watch streams (and reads none of them further) must not starve the pen.
        d = Daemon()
        try:
            ready = Watcher(d.channel)
            self.assertTrue(ready.wait_for(SERVING, 20), d.output())
            ready.cancel()
            channels = [grpc.insecure_channel("unix:" + d.socket) for _ in range(10)]
            watches = [health_pb2_grpc.HealthStub(channels[i % 10]).Watch(
                health_pb2.HealthCheckRequest(service="")) for i in range(1000)]
            for w in watches:
                self.assertEqual(next(w).status, SERVING)
            # Another client is still answered at once, and the pen is as it was.
            r = Reflected(d.channel)
            status, _ = r.call("dermad.v1.DeviceService", "GetStatus")
            state = status.DESCRIPTOR.fields_by_name["state"].enum_type.values_by_number[
                status.state].name
            self.assertEqual(state, "STATE_IDLE")
            self.assertEqual([a.code for a in status.alarms], [])
            for w in watches:
                w.cancel()
            for c in channels:
                c.close()
        finally:
            d.stop()

    def test_records_that_cannot_be_written_make_the_pen_not_serving(self):
        d = Daemon("--records-max-kib", "80")
        try:
            watch = Watcher(d.channel)
            self.assertTrue(watch.wait_for(SERVING, 20), d.output())
            r = Reflected(d.channel)
            serving_at = len(watch.statuses)
            # E-stop cycles, each a handful of events, until the records are full.
            for _ in range(400):
                r.call("dermad.v1.Simulator", "SetEstop", on=True)
                r.call("dermad.v1.Simulator", "SetEstop", on=False)
                r.call("dermad.v1.DeviceService", "AcknowledgeAlarms")
                if NOT_SERVING in watch.statuses[serving_at:]:
                    break
            self.assertTrue(watch.wait_for(NOT_SERVING, 5), d.output())
            self.assertEqual(
                health_pb2_grpc.HealthStub(d.channel).Check(health_pb2.HealthCheckRequest(),
                                                             timeout=5).status, NOT_SERVING)
            self.assertIn("health: NOT_SERVING: the records cannot be written", d.output())
            watch.cancel()
        finally:
            d.stop()


if __name__ == "__main__":
    unittest.main()
