using System.Diagnostics.Metrics;
using Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Tests;

[Collection(GrpcNodeCollection.Name)]
public sealed class ProxyMetricsTests(GrpcNodeFixture fx)
{
    [Fact]
    public async Task Every_rpc_records_its_latency_with_its_name_and_answer_code()
    {
        var seen = new List<(double Ms, string Rpc, string Code)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == ProxyMetrics.MeterName && i.Name == ProxyMetrics.RpcLatency) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string rpc = "", code = "";
            foreach (var t in tags)
            {
                if (t.Key == "rpc") rpc = (string)t.Value!;
                if (t.Key == "code") code = (string)t.Value!;
            }
            lock (seen) seen.Add((value, rpc, code));
        });
        listener.Start();

        await fx.Client.QueryRouteAsync(new QueryRouteRequest { Topic = new Resource { Name = "NoSuchMetricTopic" } });
        await fx.Client.HeartbeatAsync(new HeartbeatRequest());
        lock (seen)
        {
            Assert.Contains(seen, s => s is { Rpc: "QueryRoute", Code: nameof(Code.TopicNotFound) } && s.Ms >= 0);
            Assert.Contains(seen, s => s is { Rpc: "Heartbeat", Code: nameof(Code.Ok) });
        }
    }
}
