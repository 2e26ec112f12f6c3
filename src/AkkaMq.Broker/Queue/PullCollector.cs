using System.Diagnostics;
using AkkaMq.Broker.Stats;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Broker.Queue;

/// <summary>
/// Gathers the messages one pull returns, from the tail or from journal events: applies the tag
/// filter and the count, byte and scan limits, and tracks where the next pull begins.
/// </summary>
public sealed class PullCollector
{
    private readonly PullMessage _request;
    private readonly SubscriptionExpression _filter;
    private readonly int _maxMessages;
    private readonly long _maxBytes;
    private readonly int _maxScan;
    private readonly List<MessageExt> _found = new();
    private long _bytes;
    private int _scanned;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly BrokerStats? _stats;
    private readonly TopicStats? _topicStats;
    private readonly QueueStats? _queueStats;

    /// <param name="stats">When set, the result counts as delivered (messages out, the group's delivered offset, pull latency).</param>
    public PullCollector(PullMessage request, SubscriptionExpression filter, int maxMessages, long maxBytes, int maxScan,
        BrokerStats? stats = null, TopicStats? topicStats = null, QueueStats? queueStats = null)
    {
        _stats = stats;
        _topicStats = topicStats;
        _queueStats = queueStats;
        _request = request;
        _filter = filter;
        _maxMessages = maxMessages;
        _maxBytes = maxBytes;
        _maxScan = maxScan;
        NextOffset = request.QueueOffset;
    }

    /// <summary>The offset after the last message looked at.</summary>
    public long NextOffset { get; private set; }
    public bool Full { get; private set; }
    public int FoundCount => _found.Count;

    /// <summary>Offers the message at offset; returns false once the pull is complete.</summary>
    public bool Offer(long offset, long storeTimestamp, StoredMessage m)
    {
        switch (Check(offset, m.Tags, m.Body.Length))
        {
            case Verdict.Stop: return false;
            case Verdict.Before: return true;
            case Verdict.Take:
                _found.Add(new MessageExt(_request.Topic, _request.BrokerName, _request.QueueId, offset, m.Tags, m.Keys, m.Properties,
                    m.Body, m.BornTimestamp, storeTimestamp));
                _bytes += m.Body.Length;
                break;
        }
        return Advance(offset);
    }

    /// <summary>Offers a tail entry; its body is copied only if the pull takes it.</summary>
    public bool Offer(in MessageTail.Entry e)
    {
        switch (Check(e.Offset, e.Tags, e.BodyLength))
        {
            case Verdict.Stop: return false;
            case Verdict.Before: return true;
            case Verdict.Take:
                _found.Add(new MessageExt(_request.Topic, _request.BrokerName, _request.QueueId, e.Offset, e.Tags, e.Keys, e.Properties,
                    e.CopyBody(), e.BornTimestamp, e.StoreTimestamp));
                _bytes += e.BodyLength;
                break;
        }
        return Advance(e.Offset);
    }

    /// <summary>Offers the tail's entries from index start on, until the pull is complete.</summary>
    public void OfferTail(MessageTail tail, int start)
    {
        for (var i = start; i < tail.Count; i++)
        {
            if (!Offer(tail[i])) break;
        }
    }

    private enum Verdict { Stop, Before, Skip, Take }

    private Verdict Check(long offset, string? tags, int bodyLength)
    {
        if (Full) return Verdict.Stop;
        if (offset < NextOffset) return Verdict.Before;
        if (!_filter.Matches(tags)) return Verdict.Skip;
        // Always return at least one message, however large.
        if (_found.Count > 0 && _bytes + bodyLength > _maxBytes)
        {
            Full = true;
            return Verdict.Stop;
        }
        return Verdict.Take;
    }

    private bool Advance(long offset)
    {
        NextOffset = offset + 1;
        if (_found.Count >= _maxMessages || ++_scanned >= _maxScan) Full = true;
        return !Full;
    }

    public PullResult Failure(string error, long minOffset, long maxOffset) =>
        new(PullStatus.NoNewMsg, _request.QueueOffset, minOffset, maxOffset, _request.Topic, _request.BrokerName, _request.QueueId,
            Array.Empty<MessageExt>(), ResponseCode.SystemError, error);

    public PullResult Result(long minOffset, long maxOffset)
    {
        if (_stats != null)
        {
            if (_found.Count > 0) BrokerStats.AddOut(_topicStats!, _found.Count, _bytes);
            BrokerStats.Delivered(_queueStats!, _request.ConsumerGroup, NextOffset);
            _stats.RecordPullLatency(_request.Topic, _started);
        }
        var status = _found.Count > 0 ? PullStatus.Found
            : NextOffset > _request.QueueOffset ? PullStatus.NoMatchedMsg
            : PullStatus.NoNewMsg;
        return new PullResult(status, NextOffset, minOffset, maxOffset, _request.Topic, _request.BrokerName, _request.QueueId,
            _found, ResponseCode.Success, null);
    }
}
