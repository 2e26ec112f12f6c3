using AkkaMq.Broker.Queue;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

// The namespace puts "StoreStructures" in every test's name, for `--filter FullyQualifiedName~StoreStructures`.
namespace AkkaMq.Broker.Tests.StoreStructures;

/// <summary>
/// A journal as the index sees it: event i has sequence number i + 1, starts at Start[i], holds Count[i] (≥ 1)
/// messages and was stored at Ts[i] (non-decreasing, often repeated).
/// </summary>
internal sealed class JournalModel
{
    public readonly List<long> Start = new();
    public readonly List<int> Count = new();
    public readonly List<long> Ts = new();
    public long NextOffset;
    public long NextTs;

    public JournalModel(long baseOffset = 0, long baseTs = 1_700_000_000_000)
    {
        NextOffset = baseOffset;
        NextTs = baseTs;
    }

    public int Events => Start.Count;

    /// <summary>Appends one event and returns (offset, seqNr, storeTimestamp) for the index.</summary>
    public (long Offset, long SeqNr, long Ts) Append(Random rnd)
    {
        var n = rnd.Next(1, 6);
        NextTs += rnd.Next(3) == 0 ? rnd.Next(1, 4) : 0;
        Start.Add(NextOffset);
        Count.Add(n);
        Ts.Add(NextTs);
        var e = (NextOffset, (long)Start.Count, NextTs);
        NextOffset += n;
        return e;
    }

    /// <summary>Index (0-based) of the event holding offset; -1 before the first.</summary>
    public int EventHolding(long offset)
    {
        int lo = 0, hi = Start.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Start[mid] <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Index (0-based) of the first event stored at or after ts; Events if none.</summary>
    public int FirstEventAtOrAfter(long ts)
    {
        int lo = 0, hi = Ts.Count - 1, found = Ts.Count;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Ts[mid] >= ts) { found = mid; hi = mid - 1; }
            else lo = mid + 1;
        }
        return found;
    }
}

public sealed class SparseOffsetIndexTests
{
    private static void CheckEntries(SparseOffsetIndex index, JournalModel model, int maxEntries)
    {
        Assert.InRange(index.Count, 1, maxEntries);
        Assert.Equal(index.Count, index.Entries.Count);
        Assert.True(index.Stride > 0 && (index.Stride & (index.Stride - 1)) == 0, $"stride {index.Stride} is not a power of two");
        Assert.Equal(1, index.Entries[0].SeqNr); // the first event is never dropped
        for (var i = 0; i < index.Count; i++)
        {
            var e = index.Entries[i];
            // every entry is a real event: its start offset and store time
            Assert.InRange(e.SeqNr, 1, model.Events);
            Assert.Equal(model.Start[(int)e.SeqNr - 1], e.Offset);
            Assert.Equal(model.Ts[(int)e.SeqNr - 1], e.StoreTimestamp);
            if (i > 0)
            {
                var prev = index.Entries[i - 1];
                Assert.True(e.SeqNr > prev.SeqNr && e.Offset > prev.Offset && e.StoreTimestamp >= prev.StoreTimestamp);
                Assert.True(e.SeqNr - prev.SeqNr <= index.Stride,
                    $"entries {prev.SeqNr} and {e.SeqNr} are more than stride {index.Stride} apart");
            }
        }
        Assert.True(model.Events - index.Entries[^1].SeqNr < index.Stride, "the newest entry lags more than a stride");
    }

    private static void CheckOffset(SparseOffsetIndex index, JournalModel model, long offset)
    {
        var seqNr = index.FloorSeqNrForOffset(offset);
        var holding = model.EventHolding(offset);
        if (holding < 0)
        {
            Assert.Equal(1, seqNr);
            return;
        }
        var holdingSeqNr = holding + 1;
        Assert.InRange(seqNr, 1, holdingSeqNr);
        Assert.True(model.Start[(int)seqNr - 1] <= offset, $"seqNr {seqNr} starts after offset {offset}");
        Assert.True(holdingSeqNr - seqNr <= index.Stride,
            $"offset {offset} is in event {holdingSeqNr}, the index answered {seqNr}: more than stride {index.Stride} before");
    }

    private static void CheckTimestamp(SparseOffsetIndex index, JournalModel model, long ts)
    {
        var seqNr = index.FloorSeqNrForTimestamp(ts);
        Assert.InRange(seqNr, 1, model.Events);
        if (model.Ts[0] >= ts)
        {
            Assert.Equal(1, seqNr);
            return;
        }
        // stored strictly before ts, so no message at or after ts lies before the answer
        Assert.True(model.Ts[(int)seqNr - 1] < ts, $"seqNr {seqNr} was stored at {model.Ts[(int)seqNr - 1]}, not before {ts}");
        // it is an entry, and the last one stored before ts
        int lo = 0, hi = index.Count - 1, at = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (index.Entries[mid].SeqNr == seqNr) { at = mid; break; }
            if (index.Entries[mid].SeqNr < seqNr) lo = mid + 1;
            else hi = mid - 1;
        }
        Assert.True(at >= 0, $"seqNr {seqNr} is not an index entry");
        Assert.True(at == index.Count - 1 || index.Entries[at + 1].StoreTimestamp >= ts,
            $"timestamp {ts}: entry {index.Entries[Math.Min(at + 1, index.Count - 1)].SeqNr} is also before it");
        var first = model.FirstEventAtOrAfter(ts);
        if (first < model.Events)
            Assert.True(first + 1 - seqNr <= index.Stride, $"timestamp {ts}: answer {seqNr} is more than a stride before event {first + 1}");
    }

    [Fact]
    public void An_empty_index_answers_sequence_number_1()
    {
        var index = new SparseOffsetIndex(16);
        Assert.Equal(0, index.Count);
        Assert.Equal(1, index.Stride);
        Assert.Empty(index.Entries);
        Assert.Equal(1, index.FloorSeqNrForOffset(0));
        Assert.Equal(1, index.FloorSeqNrForOffset(long.MaxValue));
        Assert.Equal(1, index.FloorSeqNrForTimestamp(long.MaxValue));
    }

    [Fact]
    public void A_full_index_never_holds_room_for_more_than_max_entries_plus_one()
    {
        var index = new SparseOffsetIndex(4096);
        for (var i = 0; i < 20_000; i++) index.Add(i, i + 1, 1000 + i);
        Assert.InRange(index.Count, 1, 4096);
        Assert.Equal(4097, index.Capacity); // List<T> doubling would have left room for 8,192
    }

    [Fact]
    public void Stride_1_indexes_every_event_until_full()
    {
        var index = new SparseOffsetIndex(16);
        for (var i = 0; i < 16; i++) index.Add(i * 10, i + 1, 1000 + i);
        Assert.Equal(16, index.Count);
        Assert.Equal(1, index.Stride);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), index.Entries.Select(e => e.SeqNr));
        Assert.Equal(4, index.FloorSeqNrForOffset(35));
        Assert.Equal(4, index.FloorSeqNrForOffset(30));
        Assert.Equal(1, index.FloorSeqNrForOffset(9));
        Assert.Equal(16, index.FloorSeqNrForOffset(1_000_000));
    }

    [Fact]
    public void Overflow_drops_every_other_entry_and_doubles_the_stride()
    {
        var index = new SparseOffsetIndex(16);
        for (var i = 0; i < 17; i++) index.Add(i, i + 1, i);
        Assert.Equal(2, index.Stride);
        Assert.Equal(9, index.Count);
        Assert.Equal(new long[] { 1, 3, 5, 7, 9, 11, 13, 15, 17 }, index.Entries.Select(e => e.SeqNr));

        // the next entries come every second event
        index.Add(17, 18, 17);
        Assert.Equal(9, index.Count);
        index.Add(18, 19, 18);
        Assert.Equal(10, index.Count);
        Assert.Equal(19, index.Entries[^1].SeqNr);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(4096)]
    public void A_million_events_stay_within_MaxEntries_and_lookups_stay_within_a_stride(int maxEntries)
    {
        var rnd = new Random(maxEntries);
        var model = new JournalModel(baseOffset: 1000);
        var index = new SparseOffsetIndex(maxEntries);
        var stride = index.Stride;
        var doublings = 0;
        var checkpoints = new HashSet<int> { 1, 2, 10, maxEntries, maxEntries + 1, 1000, 10_000, 100_000, 1_000_000 };
        for (var i = 1; i <= 1_000_000; i++)
        {
            var (offset, seqNr, ts) = model.Append(rnd);
            index.Add(offset, seqNr, ts);
            if (index.Count > maxEntries) Assert.Fail($"{index.Count} entries after {i} events, the maximum is {maxEntries}");
            if (index.Stride != stride)
            {
                Assert.Equal(stride * 2, index.Stride);
                stride = index.Stride;
                doublings++;
                Assert.InRange(index.Count, maxEntries / 2, maxEntries / 2 + 1);
            }
            if (!checkpoints.Contains(i)) continue;
            CheckEntries(index, model, maxEntries);
            for (var k = 0; k < 300; k++)
            {
                CheckOffset(index, model, model.Start[0] + rnd.NextInt64(model.NextOffset - model.Start[0] + 5));
                CheckTimestamp(index, model, model.Ts[0] + rnd.NextInt64(model.NextTs - model.Ts[0] + 3));
            }
        }
        // a million events in at most maxEntries entries needs at least log2(1e6 / maxEntries) doublings
        Assert.True(doublings >= (int)Math.Floor(Math.Log2(1_000_000.0 / maxEntries)), $"only {doublings} doublings");
        Assert.True(index.Count > maxEntries / 2);

        // exhaustive checks at the edges of every entry
        foreach (var e in index.Entries)
        foreach (var d in new long[] { -1, 0, 1 })
        {
            CheckOffset(index, model, e.Offset + d);
            CheckTimestamp(index, model, e.StoreTimestamp + d);
        }
        // offsets before the first event and past the end
        Assert.Equal(1, index.FloorSeqNrForOffset(0));
        Assert.Equal(1, index.FloorSeqNrForOffset(999));
        Assert.Equal(1, index.FloorSeqNrForOffset(long.MinValue));
        Assert.Equal(index.Entries[^1].SeqNr, index.FloorSeqNrForOffset(long.MaxValue));
        Assert.Equal(1, index.FloorSeqNrForTimestamp(long.MinValue));
        Assert.Equal(index.Entries[^1].SeqNr, index.FloorSeqNrForTimestamp(long.MaxValue));
    }

    [Fact]
    public void Every_offset_of_a_small_journal_is_found_within_a_stride()
    {
        var rnd = new Random(7);
        var model = new JournalModel(baseOffset: 50);
        var index = new SparseOffsetIndex(16);
        for (var i = 0; i < 3000; i++)
        {
            var (o, s, t) = model.Append(rnd);
            index.Add(o, s, t);
            if (i % 97 != 0) continue;
            for (var off = 0L; off <= model.NextOffset + 2; off++) CheckOffset(index, model, off);
            for (var ts = model.Ts[0] - 1; ts <= model.NextTs + 1; ts++) CheckTimestamp(index, model, ts);
        }
        CheckEntries(index, model, 16);
    }

    [Fact]
    public void Timestamp_lookup_takes_the_last_entry_strictly_before()
    {
        var index = new SparseOffsetIndex(16);
        long[] ts = { 100, 100, 100, 200, 200, 300 };
        for (var i = 0; i < ts.Length; i++) index.Add(i * 2, i + 1, ts[i]);
        Assert.Equal(1, index.FloorSeqNrForTimestamp(50));
        Assert.Equal(1, index.FloorSeqNrForTimestamp(100)); // nothing strictly before 100
        Assert.Equal(3, index.FloorSeqNrForTimestamp(101));
        Assert.Equal(3, index.FloorSeqNrForTimestamp(200)); // not 4 or 5: they are at 200 itself
        Assert.Equal(5, index.FloorSeqNrForTimestamp(201));
        Assert.Equal(5, index.FloorSeqNrForTimestamp(300));
        Assert.Equal(6, index.FloorSeqNrForTimestamp(301));
    }

    [Fact]
    public void Restore_round_trips_entries_stride_and_lookups()
    {
        var rnd = new Random(11);
        var model = new JournalModel();
        var original = new SparseOffsetIndex(64);
        for (var i = 0; i < 50_000; i++)
        {
            var (o, s, t) = model.Append(rnd);
            original.Add(o, s, t);
        }
        var snapshotEntries = original.Entries.ToArray();
        var restored = new SparseOffsetIndex(64);
        restored.Restore(snapshotEntries, original.Stride, model.Events);

        Assert.Equal(original.Stride, restored.Stride);
        Assert.Equal(original.Count, restored.Count);
        Assert.Equal(original.Entries.ToArray(), restored.Entries.ToArray());
        for (var k = 0; k < 2000; k++)
        {
            var off = rnd.NextInt64(model.NextOffset + 10);
            Assert.Equal(original.FloorSeqNrForOffset(off), restored.FloorSeqNrForOffset(off));
            var ts = model.Ts[0] - 5 + rnd.NextInt64(model.NextTs - model.Ts[0] + 10);
            Assert.Equal(original.FloorSeqNrForTimestamp(ts), restored.FloorSeqNrForTimestamp(ts));
        }

        // the restored copy owns its entries: changing the snapshot array does not change it
        snapshotEntries[0] = new QueueIndexEntry(-1, -1, -1);
        Assert.Equal(1, restored.Entries[0].SeqNr);
    }

    [Fact]
    public void Restored_index_keeps_its_bounds_as_events_continue()
    {
        var rnd = new Random(13);
        var model = new JournalModel();
        var original = new SparseOffsetIndex(32);
        for (var i = 0; i < 10_000; i++)
        {
            var (o, s, t) = model.Append(rnd);
            original.Add(o, s, t);
        }
        var restored = new SparseOffsetIndex(32);
        restored.Restore(original.Entries.ToArray(), original.Stride, model.Events);
        for (var i = 0; i < 100_000; i++)
        {
            var (o, s, t) = model.Append(rnd);
            restored.Add(o, s, t);
            Assert.True(restored.Count <= 32);
        }
        // answers always start at or before the offset asked for
        for (var k = 0; k < 2000; k++)
        {
            var off = rnd.NextInt64(model.NextOffset);
            var seqNr = restored.FloorSeqNrForOffset(off);
            Assert.True(model.Start[(int)seqNr - 1] <= off);
            var ts = model.Ts[0] + rnd.NextInt64(model.NextTs - model.Ts[0] + 1);
            var tsSeqNr = restored.FloorSeqNrForTimestamp(ts);
            Assert.True(tsSeqNr == 1 || model.Ts[(int)tsSeqNr - 1] < ts);
        }
    }

    [Fact]
    public void Restore_of_nothing_starts_over_and_a_zero_stride_becomes_1()
    {
        var index = new SparseOffsetIndex(16);
        for (var i = 0; i < 100; i++) index.Add(i, i + 1, i);
        index.Restore(Array.Empty<QueueIndexEntry>(), 0, 100);
        Assert.Equal(0, index.Count);
        Assert.Equal(1, index.Stride);
        Assert.Equal(1, index.FloorSeqNrForOffset(50));
        index.Add(500, 501, 500);
        Assert.Equal(1, index.Count);
        Assert.Equal(501, index.FloorSeqNrForOffset(600));
    }
}

public sealed class MessageTailTests
{
    private static StoredMessage Msg(int bodyBytes, string? tags = null) =>
        new(tags, null, Message.EmptyProperties, new byte[bodyBytes], 1);

    [Fact]
    public void An_empty_tail_holds_nothing()
    {
        var tail = new MessageTail(4, 100);
        Assert.Equal(0, tail.Count);
        Assert.Equal(0, tail.Bytes);
        Assert.Equal(long.MaxValue, tail.FirstOffset);
        Assert.Equal(-1, tail.IndexOf(0));
        Assert.Equal(-1, tail.IndexOf(long.MaxValue));
    }

    [Fact]
    public void Bounded_by_count()
    {
        var tail = new MessageTail(4, long.MaxValue);
        for (var o = 10L; o < 20; o++) tail.Append(o, 1000 + o, Msg(1));
        Assert.Equal(4, tail.Count);
        Assert.Equal(4, tail.Bytes);
        Assert.Equal(16, tail.FirstOffset);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(16 + i, tail[i].Offset);
            Assert.Equal(1016 + i, tail[i].StoreTimestamp);
        }
    }

    [Fact]
    public void IndexOf_finds_held_offsets_only()
    {
        var tail = new MessageTail(4, long.MaxValue);
        for (var o = 10L; o < 20; o++) tail.Append(o, 0, Msg(1));
        Assert.Equal(-1, tail.IndexOf(10));   // evicted
        Assert.Equal(-1, tail.IndexOf(15));   // evicted, just before the first
        Assert.Equal(0, tail.IndexOf(16));
        Assert.Equal(3, tail.IndexOf(19));
        Assert.Equal(-1, tail.IndexOf(20));   // not written yet
        Assert.Equal(-1, tail.IndexOf(1000));
        Assert.Equal(-1, tail.IndexOf(-1));
        Assert.Equal(-1, tail.IndexOf(long.MinValue));
        Assert.Equal(-1, tail.IndexOf(long.MaxValue));
    }

    [Fact]
    public void Bounded_by_bytes()
    {
        var tail = new MessageTail(100, 10);
        tail.Append(0, 0, Msg(4));
        tail.Append(1, 0, Msg(4));
        Assert.Equal(2, tail.Count);
        Assert.Equal(8, tail.Bytes);
        tail.Append(2, 0, Msg(4)); // 12 > 10: the oldest goes
        Assert.Equal(2, tail.Count);
        Assert.Equal(8, tail.Bytes);
        Assert.Equal(1, tail.FirstOffset);
        Assert.Equal(-1, tail.IndexOf(0));
        tail.Append(3, 0, Msg(2)); // exactly 10 is within the bound
        Assert.Equal(3, tail.Count);
        Assert.Equal(10, tail.Bytes);
        Assert.Equal(1, tail.FirstOffset);
    }

    [Fact]
    public void Keeps_the_newest_message_even_when_it_alone_is_over_the_byte_bound()
    {
        var tail = new MessageTail(100, 10);
        tail.Append(0, 0, Msg(3));
        tail.Append(1, 0, Msg(50));
        Assert.Equal(1, tail.Count);
        Assert.Equal(50, tail.Bytes);
        Assert.Equal(1, tail.FirstOffset);
        Assert.Equal(0, tail.IndexOf(1));
        Assert.Equal(50, tail[0].Message.Body.Length);

        tail.Append(2, 0, Msg(60));
        Assert.Equal(1, tail.Count);
        Assert.Equal(60, tail.Bytes);
        Assert.Equal(2, tail.FirstOffset);

        tail.Append(3, 0, Msg(1)); // the big one goes, the small one stays
        Assert.Equal(1, tail.Count);
        Assert.Equal(1, tail.Bytes);
        Assert.Equal(3, tail.FirstOffset);
    }

    [Fact]
    public void Zero_byte_bodies_are_bounded_by_count()
    {
        var tail = new MessageTail(3, 0);
        for (var o = 0L; o < 5; o++) tail.Append(o, 0, Msg(0));
        Assert.Equal(3, tail.Count);
        Assert.Equal(0, tail.Bytes);
        Assert.Equal(2, tail.FirstOffset);
    }

    [Fact]
    public void A_gap_or_a_step_back_restarts_the_tail()
    {
        var tail = new MessageTail(8, long.MaxValue);
        for (var o = 0L; o < 5; o++) tail.Append(o, 0, Msg(2));
        tail.Append(7, 0, Msg(3)); // gap
        Assert.Equal(1, tail.Count);
        Assert.Equal(3, tail.Bytes);
        Assert.Equal(7, tail.FirstOffset);
        Assert.Equal(-1, tail.IndexOf(4));
        tail.Append(8, 0, Msg(1));
        tail.Append(3, 0, Msg(1)); // step back
        Assert.Equal(1, tail.Count);
        Assert.Equal(3, tail.FirstOffset);
    }

    [Fact]
    public void Clear_empties_and_the_tail_is_reusable()
    {
        var tail = new MessageTail(3, long.MaxValue);
        for (var o = 0L; o < 7; o++) tail.Append(o, 0, Msg(1));
        tail.Clear();
        Assert.Equal(0, tail.Count);
        Assert.Equal(0, tail.Bytes);
        Assert.Equal(long.MaxValue, tail.FirstOffset);
        tail.Append(100, 5, Msg(2, "T"));
        Assert.Equal(1, tail.Count);
        Assert.Equal(0, tail.IndexOf(100));
        Assert.Equal("T", tail[0].Message.Tags);
        Assert.Equal(5, tail[0].StoreTimestamp);
    }

    [Fact]
    public void Matches_a_simple_model_through_many_wrap_arounds()
    {
        var rnd = new Random(5);
        const int maxMessages = 7;
        const long maxBytes = 40;
        var tail = new MessageTail(maxMessages, maxBytes);
        var model = new List<(long Offset, long Ts, StoredMessage M)>();
        var offset = 1_000L;
        for (var step = 0; step < 5000; step++)
        {
            var m = Msg(rnd.Next(0, step % 50 == 0 ? 60 : 15), $"t{step}");
            rnd.NextBytes(m.Body);
            var ts = 10_000 + step;
            tail.Append(offset, ts, m);
            model.Add((offset, ts, m));
            if (model.Count > maxMessages) model.RemoveAt(0);
            while (model.Sum(x => x.M.Body.Length) > maxBytes && model.Count > 1) model.RemoveAt(0);
            offset++;

            Assert.Equal(model.Count, tail.Count);
            Assert.Equal(model.Sum(x => (long)x.M.Body.Length), tail.Bytes);
            Assert.Equal(model[0].Offset, tail.FirstOffset);
            for (var i = 0; i < model.Count; i++)
            {
                Assert.Equal(model[i].Offset, tail[i].Offset);
                Assert.Equal(model[i].Ts, tail[i].StoreTimestamp);
                var held = tail[i].Message;
                Assert.Equal(model[i].M.Tags, held.Tags);
                Assert.Equal(model[i].M.BornTimestamp, held.BornTimestamp);
                Assert.Equal(model[i].M.Body, held.Body);
                Assert.NotSame(model[i].M.Body, held.Body);
                Assert.Equal(i, tail.IndexOf(model[i].Offset));
            }
            Assert.Equal(-1, tail.IndexOf(model[0].Offset - 1));
            Assert.Equal(-1, tail.IndexOf(offset));
        }
    }

    [Fact]
    public void Bodies_survive_chunk_reuse_and_reads_are_copies()
    {
        // Many more bytes pass through than the tail holds, so its chunks are reused many times
        // over; every held body must still read back as written, and a copy handed out earlier
        // must not change when the chunk it came from is written again.
        const int bodyBytes = 3000;
        var tail = new MessageTail(40, 40 * bodyBytes);
        byte[] Body(long offset) => Enumerable.Range(0, bodyBytes).Select(i => (byte)(offset * 31 + i)).ToArray();
        var early = new List<(long Offset, byte[] Copy)>();
        for (var o = 0L; o < 2000; o++)
        {
            tail.Append(o, o, new StoredMessage(null, "k" + o, Message.EmptyProperties, Body(o), o));
            if (o % 97 == 0) early.Add((o, tail[tail.Count - 1].Message.Body));
        }
        Assert.Equal(40, tail.Count);
        for (var i = 0; i < tail.Count; i++)
        {
            var e = tail[i];
            Assert.Equal(Body(e.Offset), e.Message.Body);
            Assert.Equal("k" + e.Offset, e.Keys);
            Assert.Equal(e.Offset, e.BornTimestamp);
        }
        foreach (var (offset, copy) in early) Assert.Equal(Body(offset), copy);
    }

    [Fact]
    public void A_body_larger_than_a_chunk_is_held_whole()
    {
        var tail = new MessageTail(8, long.MaxValue);
        var big = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        tail.Append(0, 0, Msg(10));
        tail.Append(1, 0, new StoredMessage("Big", null, Message.EmptyProperties, big, 1));
        tail.Append(2, 0, Msg(10));
        Assert.Equal(big, tail[1].Message.Body);
        Assert.Equal(200_000, tail[1].BodyLength);
        Assert.Equal(200_020, tail.Bytes);
    }
}


public sealed class PullCollectorTests
{
    private static readonly PullMessage Request = new("broker-a", "group-1", "TopicTest", 3, 10, 32, "*", 0);

    private static StoredMessage Msg(int bodyBytes, string? tags = null, string? keys = null) =>
        new(tags, keys, Message.EmptyProperties, new byte[bodyBytes], 1_700_000_000_000);

    private static PullCollector Collector(string filter = "*", int maxMessages = 32, long maxBytes = long.MaxValue, int maxScan = int.MaxValue,
        PullMessage? request = null) =>
        new(request ?? Request, SubscriptionExpression.Parse(filter), maxMessages, maxBytes, maxScan);

    [Fact]
    public void Nothing_offered_is_NoNewMsg_at_the_requested_offset()
    {
        var c = Collector();
        Assert.Equal(10, c.NextOffset);
        Assert.False(c.Full);
        var r = c.Result(0, 10);
        Assert.Equal(PullStatus.NoNewMsg, r.Status);
        Assert.Equal(10, r.NextBeginOffset);
        Assert.Equal(0, r.MinOffset);
        Assert.Equal(10, r.MaxOffset);
        Assert.Empty(r.Messages);
        Assert.Equal(ResponseCode.Success, r.Code);
        Assert.Null(r.Error);
        Assert.Equal("TopicTest", r.Topic);
        Assert.Equal("broker-a", r.BrokerName);
        Assert.Equal(3, r.QueueId);
    }

    [Fact]
    public void Found_messages_carry_the_queue_and_the_stored_fields()
    {
        var c = Collector();
        var props = new Dictionary<string, string> { ["k"] = "v" };
        var m = new StoredMessage("TagA", "key1 key2", props, new byte[] { 1, 2, 3 }, 123);
        Assert.True(c.Offer(10, 456, m));
        var r = c.Result(0, 11);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(11, r.NextBeginOffset);
        var x = Assert.Single(r.Messages);
        Assert.Equal("TopicTest", x.Topic);
        Assert.Equal("broker-a", x.BrokerName);
        Assert.Equal(3, x.QueueId);
        Assert.Equal(10, x.QueueOffset);
        Assert.Equal("TagA", x.Tags);
        Assert.Equal("key1 key2", x.Keys);
        Assert.Same(props, x.Properties);
        Assert.Equal(new byte[] { 1, 2, 3 }, x.Body);
        Assert.Equal(123, x.BornTimestamp);
        Assert.Equal(456, x.StoreTimestamp);
    }

    [Fact]
    public void Count_limit_stops_the_pull()
    {
        var c = Collector(maxMessages: 3);
        Assert.True(c.Offer(10, 0, Msg(1)));
        Assert.True(c.Offer(11, 0, Msg(1)));
        Assert.False(c.Offer(12, 0, Msg(1))); // the third fills it
        Assert.True(c.Full);
        Assert.False(c.Offer(13, 0, Msg(1)));  // refused, not counted
        Assert.Equal(3, c.FoundCount);
        Assert.Equal(13, c.NextOffset);
        var r = c.Result(0, 100);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(new long[] { 10, 11, 12 }, r.Messages.Select(m => m.QueueOffset));
        Assert.Equal(13, r.NextBeginOffset);
    }

    [Fact]
    public void Byte_limit_leaves_the_message_that_does_not_fit_for_the_next_pull()
    {
        var c = Collector(maxBytes: 10);
        Assert.True(c.Offer(10, 0, Msg(4)));
        Assert.True(c.Offer(11, 0, Msg(4)));
        Assert.False(c.Offer(12, 0, Msg(4))); // 12 > 10
        Assert.True(c.Full);
        Assert.Equal(2, c.FoundCount);
        Assert.Equal(12, c.NextOffset);
        var r = c.Result(0, 100);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(12, r.NextBeginOffset);
        Assert.Equal(new long[] { 10, 11 }, r.Messages.Select(m => m.QueueOffset));
    }

    [Fact]
    public void Byte_limit_is_inclusive()
    {
        var c = Collector(maxBytes: 10);
        Assert.True(c.Offer(10, 0, Msg(5)));
        Assert.True(c.Offer(11, 0, Msg(5)));
        Assert.Equal(2, c.FoundCount);
        Assert.False(c.Offer(12, 0, Msg(1)));
        Assert.Equal(12, c.NextOffset);
    }

    [Fact]
    public void At_least_one_message_is_returned_however_large()
    {
        var c = Collector(maxBytes: 10);
        Assert.True(c.Offer(10, 0, Msg(1000)));
        Assert.Equal(1, c.FoundCount);
        Assert.False(c.Offer(11, 0, Msg(0))); // any further message is over the limit
        Assert.True(c.Full);
        Assert.Equal(1, c.FoundCount);
        Assert.Equal(11, c.NextOffset);
        var r = c.Result(0, 100);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(1000, Assert.Single(r.Messages).Body.Length);
    }

    [Fact]
    public void Tag_filter_skips_non_matching_messages_and_advances_past_them()
    {
        var c = Collector("TagA || TagC");
        Assert.True(c.Offer(10, 0, Msg(1, "TagB")));
        Assert.Equal(11, c.NextOffset);
        Assert.True(c.Offer(11, 0, Msg(1, "TagA")));
        Assert.True(c.Offer(12, 0, Msg(1, null)));
        Assert.True(c.Offer(13, 0, Msg(1, "TagC")));
        Assert.True(c.Offer(14, 0, Msg(1, "TagB")));
        Assert.Equal(2, c.FoundCount);
        Assert.Equal(15, c.NextOffset);
        var r = c.Result(0, 15);
        Assert.Equal(PullStatus.Found, r.Status);
        Assert.Equal(15, r.NextBeginOffset);
        Assert.Equal(new long[] { 11, 13 }, r.Messages.Select(m => m.QueueOffset));
        Assert.Equal(new[] { "TagA", "TagC" }, r.Messages.Select(m => m.Tags));
    }

    [Fact]
    public void Only_non_matching_messages_is_NoMatchedMsg_with_the_offset_advanced()
    {
        var c = Collector("TagA");
        Assert.True(c.Offer(10, 0, Msg(1, "TagB")));
        Assert.True(c.Offer(11, 0, Msg(1, null)));
        Assert.True(c.Offer(12, 0, Msg(1, "taga")));
        var r = c.Result(0, 13);
        Assert.Equal(PullStatus.NoMatchedMsg, r.Status);
        Assert.Equal(13, r.NextBeginOffset);
        Assert.Empty(r.Messages);
        Assert.Equal(ResponseCode.Success, r.Code);
    }

    [Fact]
    public void Non_matching_messages_do_not_count_against_the_byte_limit()
    {
        var c = Collector("TagA", maxBytes: 10);
        Assert.True(c.Offer(10, 0, Msg(8, "TagA")));
        Assert.True(c.Offer(11, 0, Msg(1000, "TagB")));
        Assert.True(c.Offer(12, 0, Msg(2, "TagA")));
        Assert.Equal(2, c.FoundCount);
        Assert.False(c.Offer(13, 0, Msg(1, "TagA")));
        Assert.Equal(13, c.NextOffset);
    }

    [Fact]
    public void Scan_limit_stops_a_filtered_pull()
    {
        var c = Collector("TagA", maxScan: 3);
        Assert.True(c.Offer(10, 0, Msg(1, "TagB")));
        Assert.True(c.Offer(11, 0, Msg(1, "TagB")));
        Assert.False(c.Offer(12, 0, Msg(1, "TagB")));
        Assert.True(c.Full);
        Assert.False(c.Offer(13, 0, Msg(1, "TagA")));
        var r = c.Result(0, 100);
        Assert.Equal(PullStatus.NoMatchedMsg, r.Status);
        Assert.Equal(13, r.NextBeginOffset);
    }

    [Fact]
    public void Offsets_before_the_requested_one_are_passed_over()
    {
        var c = Collector();
        Assert.True(c.Offer(8, 0, Msg(1)));
        Assert.True(c.Offer(9, 0, Msg(1)));
        Assert.Equal(0, c.FoundCount);
        Assert.Equal(10, c.NextOffset);
        Assert.Equal(PullStatus.NoNewMsg, c.Result(0, 10).Status);
        Assert.True(c.Offer(10, 0, Msg(1)));
        Assert.Equal(10, Assert.Single(c.Result(0, 11).Messages).QueueOffset);
    }

    [Fact]
    public void Failure_reports_a_system_error_at_the_requested_offset()
    {
        var c = Collector();
        c.Offer(10, 0, Msg(1));
        var r = c.Failure("journal read failed", 2, 20);
        Assert.Equal(PullStatus.NoNewMsg, r.Status);
        Assert.Equal(10, r.NextBeginOffset);
        Assert.Equal(2, r.MinOffset);
        Assert.Equal(20, r.MaxOffset);
        Assert.Equal(ResponseCode.SystemError, r.Code);
        Assert.Equal("journal read failed", r.Error);
        Assert.Empty(r.Messages);
    }

    [Fact]
    public void Serving_from_a_tail_in_a_loop_respects_every_limit()
    {
        // The way QueueLog uses both: offer tail entries from IndexOf(offset) until Offer says stop.
        var tail = new MessageTail(64, long.MaxValue);
        for (var o = 0L; o < 50; o++) tail.Append(o, 1000 + o, Msg((int)(o % 7) + 1, o % 3 == 0 ? "TagA" : "TagB"));
        var next = 5L;
        var seen = new List<long>();
        while (true)
        {
            var c = Collector("TagA", maxMessages: 4, maxBytes: 9, request: Request with { QueueOffset = next });
            var start = tail.IndexOf(next);
            if (start < 0) break;
            for (var i = start; i < tail.Count; i++)
                if (!c.Offer(tail[i])) break;
            var r = c.Result(tail.FirstOffset, 50);
            Assert.True(r.NextBeginOffset > next || r.Status == PullStatus.NoNewMsg);
            Assert.True(r.Messages.Count <= 4);
            Assert.True(r.Messages.Count == 1 || r.Messages.Sum(m => m.Body.Length) <= 9);
            seen.AddRange(r.Messages.Select(m => m.QueueOffset));
            if (r.Status == PullStatus.NoNewMsg) break;
            next = r.NextBeginOffset;
        }
        Assert.Equal(Enumerable.Range(5, 45).Where(o => o % 3 == 0).Select(o => (long)o), seen);
    }
}

public sealed class SparseOffsetIndexBoundTests
{
    /// <summary>The lookup lands at most Stride events before the event holding the offset, for odd sizes and after Restore.</summary>
    [Theory]
    [InlineData(17, false)]
    [InlineData(16, true)]
    [InlineData(17, true)]
    public void Lookups_stay_within_one_stride(int maxEntries, bool restoreHalfway)
    {
        var rnd = new Random(maxEntries);
        var model = new JournalModel();
        var index = new SparseOffsetIndex(maxEntries);
        for (var i = 0; i < 200_000; i++)
        {
            var (o, s, t) = model.Append(rnd);
            index.Add(o, s, t);
            if (restoreHalfway && i == 1_000)
            {
                var copy = new SparseOffsetIndex(maxEntries);
                copy.Restore(index.Entries.ToArray(), index.Stride, model.Events);
                index = copy;
            }
        }
        for (var k = 0; k < 5_000; k++)
        {
            var off = rnd.NextInt64(model.NextOffset);
            var seqNr = index.FloorSeqNrForOffset(off);
            var holding = model.Start.FindLastIndex(x => x <= off) + 1;
            Assert.True(holding - seqNr < index.Stride, $"offset {off}: landed {holding - seqNr} events back, stride {index.Stride}");
        }
    }
}
