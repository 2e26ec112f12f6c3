using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Protocol.Serialization;

// The transaction entity's persisted events and snapshot ("TS..", version digit last): frozen once shipped.
public sealed partial class AkkaMqSerializer
{
    private const string HalfMessagesStoredManifest = "TSH1";
    private const string HalfMessagesResolvedManifest = "TSR1";
    private const string HalfMessagesCheckedManifest = "TSC1";
    private const string TransactionLogSnapshotManifest = "TSS1";

    private static string? TransactionStoreManifest(object o) => o switch
    {
        HalfMessagesStored => HalfMessagesStoredManifest,
        HalfMessagesResolved => HalfMessagesResolvedManifest,
        HalfMessagesChecked => HalfMessagesCheckedManifest,
        TransactionLogSnapshot => TransactionLogSnapshotManifest,
        _ => null,
    };

    private static bool WriteTransactionStore(WireWriter w, object o)
    {
        switch (o)
        {
            case HalfMessagesStored m:
                w.WriteVarLong(m.BaseOffset);
                w.WriteVarLong(m.StoreTimestamp);
                WriteSendEntries(w, m.Entries, writeTopic: true);
                return true;
            case HalfMessagesResolved m: WriteResolutions(w, m.Resolutions); return true;
            case HalfMessagesChecked m:
                w.WriteVarLong(m.Timestamp);
                w.WriteLongs(m.HalfOffsets);
                return true;
            case TransactionLogSnapshot m:
                w.WriteVarLong(m.NextOffset);
                w.WriteLength(m.Pending.Count);
                foreach (var p in m.Pending)
                {
                    w.WriteVarLong(p.HalfOffset);
                    w.WriteVarLong(p.StoreTimestamp);
                    w.WriteVarInt(p.CheckCount);
                    w.WriteVarLong(p.LastCheckTimestamp);
                    WriteSendEntry(w, p.Entry, writeTopic: true);
                }
                WriteResolutions(w, m.Recent);
                return true;
            default: return false;
        }
    }

    private static object? ReadTransactionStore(string manifest, ref WireReader r)
    {
        switch (manifest)
        {
            case HalfMessagesStoredManifest:
                return new HalfMessagesStored(r.ReadVarLong(), r.ReadVarLong(), ReadSendEntries(ref r, null));
            case HalfMessagesResolvedManifest:
                return new HalfMessagesResolved(ReadResolutions(ref r));
            case HalfMessagesCheckedManifest:
                return new HalfMessagesChecked(r.ReadVarLong(), r.ReadLongs());
            case TransactionLogSnapshotManifest:
                var next = r.ReadVarLong();
                var n = r.ReadLength();
                var pending = new PendingHalfMessage[n];
                for (var i = 0; i < n; i++)
                    pending[i] = new PendingHalfMessage(r.ReadVarLong(), r.ReadVarLong(), r.ReadVarInt(), r.ReadVarLong(), ReadSendEntry(ref r, null));
                return new TransactionLogSnapshot(next, pending, ReadResolutions(ref r));
            default:
                return null;
        }
    }

    private static void WriteResolutions(WireWriter w, IReadOnlyList<HalfResolution> list)
    {
        w.WriteLength(list.Count);
        foreach (var x in list)
        {
            w.WriteVarLong(x.HalfOffset);
            w.WriteVarInt((int)x.Outcome);
            w.WriteVarInt(x.QueueId);
            w.WriteVarLong(x.QueueOffset);
        }
    }

    private static HalfResolution[] ReadResolutions(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new HalfResolution[n];
        for (var i = 0; i < n; i++) list[i] = new HalfResolution(r.ReadVarLong(), (HalfMessageOutcome)r.ReadVarInt(), r.ReadVarInt(), r.ReadVarLong());
        return list;
    }
}
