using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Client.Admin;

/// <summary>
/// The admin operations (RocketMQ's mqadmin / MQAdminExt) over AkkaMq's protocol: one
/// implementation behind the <c>akkamq</c> CLI and the node's HTTP API. Failures are
/// <see cref="AkkaMqException"/>s whose message names what is wrong (unknown topic or group,
/// unreachable NameServer or broker, bad argument). It asks through its <see cref="ClientContext"/>,
/// so it shares the ActorSystem's client instance (routes, NameServer, gateways) with producers and
/// consumers. The operations are split by concern: cluster (here), topics, consumer groups, messages.
/// </summary>
public sealed partial class AkkaMqAdmin : IAsyncDisposable
{
    private readonly Lazy<AkkaMqProducer> _producer;

    public AkkaMqAdmin(ClientContext context)
    {
        Context = context;
        _producer = new Lazy<AkkaMqProducer>(() => AkkaMqProducer.Create(context.System, context.Settings));
    }

    public ClientContext Context { get; }

    private static string Role(long brokerId) => brokerId == BrokerIdentity.MasterId ? "MASTER" : "SLAVE";

    // ------------------------------------------------------------------ cluster

    public async Task<BrokerClusterInfo> ClusterInfoAsync(CancellationToken ct = default) =>
        await Context.AskNameServerAsync<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, ct);

    /// <summary>clusterList: every registered broker node with its runtime figures (asked of each node).</summary>
    public async Task<IReadOnlyList<ClusterBrokerRow>> ClusterListAsync(CancellationToken ct = default)
    {
        var info = await ClusterInfoAsync(ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = await Task.WhenAll(info.Brokers.Select(async b =>
        {
            var id = b.Broker;
            try
            {
                var rt = await RuntimeInfoAsync(id.Address, id.BrokerName, ct);
                return new ClusterBrokerRow(id.ClusterName, id.BrokerName, id.BrokerId, id.Address, Role(id.BrokerId), rt.BootTimestamp,
                    now - rt.BootTimestamp, rt.PutTps, rt.GetTps, rt.MsgPutTotal, rt.MsgGetTotal, b.TopicCount, b.LastUpdateTimestamp, null);
            }
            catch (AkkaMqException e)
            {
                return new ClusterBrokerRow(id.ClusterName, id.BrokerName, id.BrokerId, id.Address, Role(id.BrokerId), null, null, null, null,
                    null, null, b.TopicCount, b.LastUpdateTimestamp, e.Message);
            }
        }));
        return rows;
    }

    private async Task<BrokerRuntimeInfo> RuntimeInfoAsync(string address, string brokerName, CancellationToken ct)
    {
        var rt = await Context.AskGatewayAtAsync<BrokerRuntimeInfo>(address, new GetBrokerRuntimeInfo(brokerName), ct);
        if (rt.Code != ResponseCode.Success) throw new AkkaMqException(rt.Code, rt.Error ?? "broker status failed");
        return rt;
    }

    /// <summary>brokerStatus of the node at brokerAddr ("host:port"), or of broker group brokerName's serving node.</summary>
    public async Task<BrokerStatus> BrokerStatusAsync(string? brokerAddr, string? brokerName, CancellationToken ct = default)
    {
        if (brokerAddr == null && brokerName == null) throw new AkkaMqException(ResponseCode.MessageIllegal, "name a broker: -b host:port or --broker-name NAME");
        var info = await ClusterInfoAsync(ct);
        var match = info.Brokers
            .Where(b => brokerAddr != null ? b.Broker.Address == brokerAddr : b.Broker.BrokerName == brokerName)
            .OrderBy(b => b.Broker.BrokerId).FirstOrDefault()
            ?? throw new AkkaMqException(ResponseCode.ServiceNotAvailable,
                brokerAddr != null ? $"no broker is registered at {brokerAddr}" : $"broker '{brokerName}' is not registered");
        var id = match.Broker;
        var rt = await RuntimeInfoAsync(id.Address, id.BrokerName, ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootTimestamp"] = rt.BootTimestamp.ToString(),
            ["uptimeMillis"] = (now - rt.BootTimestamp).ToString(),
            ["msgPutTotalTodayNow"] = rt.MsgPutTotal.ToString(),
            ["msgGetTotalTodayNow"] = rt.MsgGetTotal.ToString(),
            ["putTps"] = rt.PutTps.ToString("0.##"),
            ["getTransferredTps"] = rt.GetTps.ToString("0.##"),
            ["topicCount"] = rt.TopicCount.ToString(),
            ["brokerId"] = id.BrokerId.ToString(),
        };
        foreach (var (k, v) in rt.Extra) values[k] = v;
        return new BrokerStatus(id.ClusterName, id.BrokerName, id.BrokerId, id.Address, values);
    }

    public async ValueTask DisposeAsync()
    {
        if (_producer.IsValueCreated) await _producer.Value.DisposeAsync();
    }
}
