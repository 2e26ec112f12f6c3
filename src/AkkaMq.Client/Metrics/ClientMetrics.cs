using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AkkaMq.Client.Metrics;

/// <summary>Client-side instruments (meter "AkkaMq.Client"), named after RocketMQ 5's client metrics.</summary>
public static class ClientMetrics
{
    public const string MeterName = "AkkaMq.Client";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> SendCostTime =
        Meter.CreateHistogram<double>("akkamq_send_cost_time", "ms", "Time from a send call to its acknowledgement (or failure)");

    private static readonly Histogram<double> DeliveryLatency =
        Meter.CreateHistogram<double>("akkamq_delivery_latency", "ms", "Time from a message's store on the broker to its arrival at the consumer");

    public static void RecordSend(string topic, long startTimestamp, bool success)
    {
        if (!SendCostTime.Enabled) return;
        SendCostTime.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds,
            new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("invocation_status", success ? "success" : "failure"));
    }

    public static void RecordDelivery(string topic, string group, IReadOnlyList<AkkaMq.Protocol.MessageExt> messages)
    {
        if (!DeliveryLatency.Enabled || messages.Count == 0) return;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var tags = new TagList { { "topic", topic }, { "consumer_group", group } };
        for (var i = 0; i < messages.Count; i++) DeliveryLatency.Record(Math.Max(0, now - messages[i].StoreTimestamp), tags);
    }
}
