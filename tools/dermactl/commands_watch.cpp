// watch: DeviceService.StreamTelemetry, as JSON lines, text lines or a live terminal view.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <limits>

#include "tools/dermactl/commands.hpp"
#include "tools/dermactl/live.hpp"
#include "tools/dermactl/render.hpp"
#include "tools/dermactl/telemetry_subscription.hpp"
#include "tools/dermactl/values.hpp"

namespace dermad::ctl {

int run_watch(Context& ctx, const ParsedArgs& args) {
  const auto rate_text = args.value("rate");
  const double rate_hz = rate_text ? parse_rate_hz(*rate_text, ctx.path()) : 10.0;
  const auto count_text = args.value("count");
  const std::int64_t count = count_text ? parse_integer(*count_text, "--count", ctx.path(), 0,
                                                        std::numeric_limits<std::int64_t>::max())
                                        : 0;

  Client& client = ctx.client();
  if (auto st = client.connect(); !st.ok()) return ctx.fail(st);

  grpc::ClientContext call;
  TelemetrySubscription reader(client.device(), call, rate_hz);
  CancelOnInterrupt interrupt(call);

  const bool live = !ctx.json() && isatty(STDOUT_FILENO);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", rate_hz);
  LiveView<v1::TelemetrySample> view(
      "dermad at " + client.target() + ", " + rate + " Hz; Ctrl-C to stop\n", sample_text);

  v1::TelemetrySample sample;
  std::int64_t received = 0;
  bool reached_count = false;
  while (reader.read(sample)) {
    if (ctx.json()) {
      ctx.print(sample_json(sample));
    } else if (live) {
      view.show(sample);
    } else {
      ctx.print(sample_line(sample));
    }
    if (count > 0 && ++received >= count) {
      reached_count = true;
      call.TryCancel();
      break;
    }
  }
  if (live) view.finish();
  const grpc::Status st = reader.finish();
  if (reached_count || interrupt.interrupted()) return kExitOk;
  if (!st.ok()) return ctx.fail(st);
  return kExitOk;
}

}  // namespace dermad::ctl
