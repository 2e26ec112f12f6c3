using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker.Stats;

/// <summary>
/// mqadmin brokerStatus of this node: totals from <see cref="BrokerStats"/>, TPS from the
/// samples taken every second (<see cref="TpsSampler"/>), the node's role and settings.
/// </summary>
public sealed class BrokerRuntimeReport
{
    private readonly BrokerSettings _settings;
    private readonly BrokerStats _stats;
    private readonly TpsSampler _tps = new();

    public BrokerRuntimeReport(BrokerSettings settings, BrokerStats stats)
    {
        _settings = settings;
        _stats = stats;
    }

    public void Sample() => _tps.Sample(Environment.TickCount64, _stats.MsgPutTotal, _stats.MsgGetTotal);

    public BrokerRuntimeInfo Create(BrokerIdentity identity, int topicCount, bool registered)
    {
        long putTotal = _stats.MsgPutTotal, getTotal = _stats.MsgGetTotal;
        var (putTps, getTps) = _tps.Rates(Environment.TickCount64, putTotal, getTotal);
        var extra = new Dictionary<string, string>
        {
            ["brokerRole"] = _settings.BrokerId == 0 ? "ASYNC_MASTER" : "SLAVE",
            ["flushDiskType"] = _settings.FlushDiskType == FlushDiskType.SyncFlush ? "SYNC_FLUSH" : "ASYNC_FLUSH",
            ["autoCreateTopicEnable"] = _settings.AutoCreateTopicEnable ? "true" : "false",
            ["registered"] = registered ? "true" : "false",
        };
        return new BrokerRuntimeInfo(identity, _stats.BootTimestamp, putTotal, getTotal, putTps, getTps, topicCount, extra, ResponseCode.Success, null);
    }
}
