using System.Diagnostics.Metrics;

namespace AkkaMq.Proxy;

/// <summary>The gRPC endpoint's instruments (meter "AkkaMq.Proxy"): a latency histogram per RPC and answer code.</summary>
public sealed class ProxyMetrics : IDisposable
{
    public const string MeterName = "AkkaMq.Proxy";
    public const string RpcLatency = "akkamq_grpc_rpc_latency";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _latency;

    public ProxyMetrics()
    {
        _latency = _meter.CreateHistogram<double>(RpcLatency, "ms", "Time from a gRPC request's arrival to its answer, per RPC and v2 answer code");
    }

    public void Record(string rpc, Apache.Rocketmq.V2.Code code, double milliseconds) =>
        _latency.Record(milliseconds, new KeyValuePair<string, object?>("rpc", rpc), new KeyValuePair<string, object?>("code", code.ToString()));

    public void Dispose() => _meter.Dispose();
}
