using Akka.Actor;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Client;

/// <summary>Where a <see cref="BrokerConnection"/> stands on its way to the broker group's gateway.</summary>
internal enum BrokerConnectionState
{
    /// <summary>No gateway known: the next flush asks the node at Address (Identify).</summary>
    Unresolved,
    /// <summary>Identify sent to the node at Address; no answer yet.</summary>
    Identifying,
    /// <summary>The gateway answered and was asked for its data channel.</summary>
    AwaitingDataChannel,
    /// <summary>The data channel is opening; batches wait in the outbox.</summary>
    Connecting,
    /// <summary>Batches are written straight to the open data channel.</summary>
    DataChannel,
    /// <summary>Batches go to the gateway over Akka.Remote.</summary>
    Remote,
}

/// <summary>
/// The producer's link to one broker group: the node it writes to, the gateway (or data channel)
/// there, the sends waiting for it (outbox) and the batches in flight. Gateway is set exactly in
/// Connecting, DataChannel and Remote; RemoteGateway (the gateway behind a data channel, watched
/// so that a node seen dead fails over) exactly in AwaitingDataChannel, Connecting and DataChannel.
/// </summary>
internal sealed class BrokerConnection<TSend>
{
    private readonly Dictionary<long, (int Remaining, long SentAt)> _batches = new();

    public BrokerConnection(string brokerName, string address, List<string> addresses)
    {
        BrokerName = brokerName;
        Address = address;
        Addresses = addresses;
    }

    public string BrokerName { get; }

    /// <summary>The node batches go to.</summary>
    public string Address { get; private set; }

    /// <summary>Every node of the group, by brokerId: any of them forwards into the group's shard.</summary>
    public List<string> Addresses { get; set; }

    public BrokerConnectionState State { get; private set; }

    /// <summary>Where batches go: the broker gateway, or the data channel's client actor standing in for it.</summary>
    public IActorRef? Gateway { get; private set; }

    public IActorRef? RemoteGateway { get; private set; }

    /// <summary>The open data channel (state DataChannel): batches are written to it with no actor hop.</summary>
    public FramedConnection? Direct { get; private set; }

    public Queue<TSend> Outbox { get; } = new();

    public int InflightBatches { get; private set; }

    public bool IsResolving => State is BrokerConnectionState.Identifying or BrokerConnectionState.AwaitingDataChannel;

    /// <summary>Unresolved → Identifying.</summary>
    public void Identifying() => Move(BrokerConnectionState.Identifying, BrokerConnectionState.Unresolved);

    /// <summary>
    /// Identify got no gateway or no answer: back to Unresolved from Identifying or
    /// AwaitingDataChannel (or Unresolved, for an answer after a timeout).
    /// </summary>
    public void IdentifyFailed()
    {
        if (Gateway != null) throw Invalid(nameof(IdentifyFailed));
        RemoteGateway = null;
        State = BrokerConnectionState.Unresolved;
    }

    /// <summary>
    /// The gateway answered and is asked for its data channel → AwaitingDataChannel. Also from
    /// Unresolved (an answer after its timeout) and AwaitingDataChannel (a second answer): the latest stands.
    /// </summary>
    public void AwaitDataChannel(IActorRef gateway)
    {
        if (Gateway != null) throw Invalid(nameof(AwaitDataChannel));
        RemoteGateway = gateway;
        State = BrokerConnectionState.AwaitingDataChannel;
    }

    /// <summary>Batches go to gateway over Akka.Remote → Remote, from any state without a gateway (no data channel, or none used).</summary>
    public void UseGateway(IActorRef gateway)
    {
        if (Gateway != null) throw Invalid(nameof(UseGateway));
        Gateway = gateway;
        RemoteGateway = null;
        State = BrokerConnectionState.Remote;
    }

    /// <summary>The data channel's client actor is starting: AwaitingDataChannel → Connecting.</summary>
    public void ConnectDataChannel(IActorRef channel)
    {
        Move(BrokerConnectionState.Connecting, BrokerConnectionState.AwaitingDataChannel);
        Gateway = channel;
    }

    /// <summary>The data channel opened: Connecting → DataChannel.</summary>
    public void DataChannelOpened(FramedConnection connection)
    {
        Move(BrokerConnectionState.DataChannel, BrokerConnectionState.Connecting);
        Direct = connection;
    }

    /// <summary>The data channel could not be opened but the gateway answered: Connecting → Remote, over that gateway.</summary>
    public void FallBackToGateway()
    {
        if (State != BrokerConnectionState.Connecting || RemoteGateway == null) throw Invalid(nameof(FallBackToGateway));
        Gateway = RemoteGateway;
        RemoteGateway = null;
        State = BrokerConnectionState.Remote;
    }

    /// <summary>Forgets gateway and channel (the caller unwatches and stops them first): any state → Unresolved.</summary>
    public void Drop()
    {
        Gateway = null;
        RemoteGateway = null;
        Direct = null;
        State = BrokerConnectionState.Unresolved;
    }

    /// <summary>Writes to another node of the group from now on: drops the gateway.</summary>
    public void MoveTo(string address)
    {
        Drop();
        Address = address;
    }

    /// <summary>
    /// The next node of the group after Address whose gateway has not failed lately, or null. When
    /// Address came from an older route (not listed), every listed node is a candidate.
    /// </summary>
    public string? NextNode(BrokerFaultTracker faults)
    {
        var now = faults.Now;
        var start = Addresses.IndexOf(Address);
        for (var i = 1; i <= Addresses.Count; i++)
        {
            var next = Addresses[(start + i) % Addresses.Count];
            if (next != Address && !faults.HasNodeFailed(next, now)) return next;
        }
        return null;
    }

    /// <summary>A batch left with awaited acknowledged sends.</summary>
    public void BatchSent(long batchId, int awaited, long now)
    {
        _batches[batchId] = (awaited, now);
        InflightBatches++;
    }

    /// <summary>One send of a batch is done; true (with the batch's send time) when it was the batch's last.</summary>
    public bool BatchEntryDone(long batchId, out long sentAt)
    {
        sentAt = 0;
        if (!_batches.TryGetValue(batchId, out var b)) return false;
        if (b.Remaining > 1)
        {
            _batches[batchId] = (b.Remaining - 1, b.SentAt);
            return false;
        }
        _batches.Remove(batchId);
        InflightBatches--;
        sentAt = b.SentAt;
        return true;
    }

    /// <summary>The node failed: its batches will not be answered.</summary>
    public void ForgetBatches()
    {
        _batches.Clear();
        InflightBatches = 0;
    }

    public static List<string> AddressesOf(BrokerData b)
    {
        var ids = new List<long>(b.BrokerAddrs.Keys);
        ids.Sort();
        var list = new List<string>(ids.Count);
        foreach (var id in ids) list.Add(b.BrokerAddrs[id]);
        return list;
    }

    private void Move(BrokerConnectionState to, BrokerConnectionState from)
    {
        if (State != from) throw Invalid(to.ToString());
        State = to;
    }

    private InvalidOperationException Invalid(string transition) =>
        new($"broker connection {BrokerName} at {Address}: {transition} is not allowed in state {State}");
}
