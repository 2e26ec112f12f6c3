using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Broker.Transaction;

/// <summary>
/// Looks for the stored copy of one half message in its target queue before it is delivered again: the queue's key index
/// by the copy's UNIQ_KEY, then a one-message pull of each candidate (newest first) to match its __transactionId__.
/// Reports one <see cref="Result"/> to its parent and stops.
/// </summary>
public sealed class CopyFinder : ReceiveActor
{
    /// <summary>Found: the copy's offset (-1 when none). Failed: the queue did not answer; nothing may be stored then.</summary>
    public sealed record Result(long Attempt, long Offset, bool Failed) : INoSerializationVerificationNeeded;

    /// <summary>Consumer group named in the verification pulls (RocketMQ's transaction check group).</summary>
    public const string CheckGroup = "CID_SYS_RMQ_TRANS";

    private readonly long _attempt;
    private readonly string _transactionId;
    private readonly IActorRef _region;
    private readonly string _brokerName;
    private readonly string _topic;
    private readonly int _queueId;
    private readonly Queue<long> _candidates = new();

    public static Props Props(IActorRef region, string brokerName, string topic, int queueId, string uniqKey, string transactionId, long attempt,
        TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new CopyFinder(region, brokerName, topic, queueId, uniqKey, transactionId, attempt, timeout));

    public CopyFinder(IActorRef region, string brokerName, string topic, int queueId, string uniqKey, string transactionId, long attempt, TimeSpan timeout)
    {
        _region = region;
        _brokerName = brokerName;
        _topic = topic;
        _queueId = queueId;
        _transactionId = transactionId;
        _attempt = attempt;
        Context.SetReceiveTimeout(timeout);
        region.Tell(new QueryMessageKey(brokerName, topic, queueId, uniqKey, 16));

        Receive<MessageKeyOffsets>(m =>
        {
            if (m.Code != ResponseCode.Success) { Done(-1, failed: true); return; }
            foreach (var offset in m.Offsets.Reverse()) _candidates.Enqueue(offset);
            PullNext();
        });
        Receive<PullResult>(r =>
        {
            if (r.Code != ResponseCode.Success && r.Status != PullStatus.OffsetIllegal) { Done(-1, failed: true); return; }
            foreach (var x in r.Messages)
                if (x.Properties.TryGetValue(TransactionConst.TransactionId, out var id) && id == _transactionId) { Done(x.QueueOffset, failed: false); return; }
            PullNext();
        });
        Receive<ReceiveTimeout>(_ => Done(-1, failed: true));
    }

    private void PullNext()
    {
        if (_candidates.Count == 0) { Done(-1, failed: false); return; }
        _region.Tell(new PullMessage(_brokerName, CheckGroup, _topic, _queueId, _candidates.Dequeue(), 1, "*", 0));
    }

    private void Done(long offset, bool failed)
    {
        Context.Parent.Tell(new Result(_attempt, offset, failed));
        Context.Stop(Self);
    }
}
