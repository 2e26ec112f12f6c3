using AkkaMq.Protocol.Admin;

namespace AkkaMq.Protocol.Serialization;

// Subscription groups: wire messages (manifests "AG.."), and the SubscriptionGroupLog's persisted events and snapshot
// (manifests "SG..", ending in a format version, frozen once shipped).
public sealed partial class AkkaMqSerializer
{
    private const string UpdateSubscriptionGroupManifest = "AGU";
    private const string DeleteSubscriptionGroupManifest = "AGD";
    private const string GetSubscriptionGroupManifest = "AGG";
    private const string SubscriptionGroupReplyManifest = "AGR";
    private const string GetSubscriptionGroupsManifest = "AGL";
    private const string SubscriptionGroupsManifest = "AGS";
    private const string SubscriptionGroupChangedManifest = "SGC1";
    private const string SubscriptionGroupDeletedManifest = "SGD1";
    private const string SubscriptionGroupsSnapshotManifest = "SGS1";

    private static string? SubscriptionGroupManifest(object o) => o switch
    {
        UpdateSubscriptionGroup => UpdateSubscriptionGroupManifest,
        DeleteSubscriptionGroup => DeleteSubscriptionGroupManifest,
        GetSubscriptionGroup => GetSubscriptionGroupManifest,
        SubscriptionGroupReply => SubscriptionGroupReplyManifest,
        GetSubscriptionGroups => GetSubscriptionGroupsManifest,
        SubscriptionGroups => SubscriptionGroupsManifest,
        SubscriptionGroupChanged => SubscriptionGroupChangedManifest,
        SubscriptionGroupDeleted => SubscriptionGroupDeletedManifest,
        SubscriptionGroupsSnapshot => SubscriptionGroupsSnapshotManifest,
        _ => null,
    };

    private static bool WriteSubscriptionGroup(WireWriter w, object o)
    {
        switch (o)
        {
            case UpdateSubscriptionGroup m:
                w.WriteString(m.BrokerName);
                Write(w, m.Config);
                w.WriteBool(m.OnlyIfAbsent);
                return true;
            case DeleteSubscriptionGroup m: WriteGroup(w, m.BrokerName, m.GroupName); return true;
            case GetSubscriptionGroup m: WriteGroup(w, m.BrokerName, m.GroupName); return true;
            case SubscriptionGroupReply m: Write(w, m); return true;
            case GetSubscriptionGroups m: w.WriteString(m.BrokerName); return true;
            case SubscriptionGroups m:
                w.WriteString(m.BrokerName);
                WriteConfigs(w, m.Configs);
                WriteGroupCode(w, m.Code, m.Error);
                return true;
            case SubscriptionGroupChanged m: Write(w, m.Config); return true;
            case SubscriptionGroupDeleted m: w.WriteString(m.GroupName); return true;
            case SubscriptionGroupsSnapshot m: WriteConfigs(w, m.Configs); return true;
            default: return false;
        }
    }

    private static object? ReadSubscriptionGroup(string manifest, ref WireReader r) => manifest switch
    {
        UpdateSubscriptionGroupManifest => new UpdateSubscriptionGroup(r.ReadRequiredString(), ReadSubscriptionGroupConfig(ref r), r.ReadBool()),
        DeleteSubscriptionGroupManifest => new DeleteSubscriptionGroup(r.ReadRequiredString(), r.ReadRequiredString()),
        GetSubscriptionGroupManifest => new GetSubscriptionGroup(r.ReadRequiredString(), r.ReadRequiredString()),
        SubscriptionGroupReplyManifest => ReadSubscriptionGroupReply(ref r),
        GetSubscriptionGroupsManifest => new GetSubscriptionGroups(r.ReadRequiredString()),
        SubscriptionGroupsManifest => new SubscriptionGroups(r.ReadRequiredString(), ReadSubscriptionGroupConfigs(ref r), ReadCode(ref r), r.ReadString()),
        SubscriptionGroupChangedManifest => new SubscriptionGroupChanged(ReadSubscriptionGroupConfig(ref r)),
        SubscriptionGroupDeletedManifest => new SubscriptionGroupDeleted(r.ReadRequiredString()),
        SubscriptionGroupsSnapshotManifest => new SubscriptionGroupsSnapshot(ReadSubscriptionGroupConfigs(ref r)),
        _ => null,
    };

    private static void WriteGroupCode(WireWriter w, ResponseCode code, string? error)
    {
        w.WriteVarInt((int)code);
        w.WriteString(error);
    }

    private static void Write(WireWriter w, SubscriptionGroupReply m)
    {
        WriteGroup(w, m.BrokerName, m.GroupName);
        w.WriteBool(m.Config != null);
        if (m.Config != null) Write(w, m.Config);
        WriteGroupCode(w, m.Code, m.Error);
        w.WriteBool(m.Stored);
    }

    private static SubscriptionGroupReply ReadSubscriptionGroupReply(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var config = r.ReadBool() ? ReadSubscriptionGroupConfig(ref r) : null;
        return new SubscriptionGroupReply(broker, group, config, ReadCode(ref r), r.ReadString(), r.ReadBool());
    }

    // Also the persisted form (SGC1, SGS1): a new field means a new manifest.
    private static void Write(WireWriter w, SubscriptionGroupConfig c)
    {
        w.WriteString(c.GroupName);
        w.WriteBool(c.ConsumeEnable);
        w.WriteBool(c.ConsumeFromMinEnable);
        w.WriteBool(c.ConsumeBroadcastEnable);
        w.WriteBool(c.ConsumeMessageOrderly);
        w.WriteVarInt(c.RetryQueueNums);
        w.WriteVarInt(c.RetryMaxTimes);
        w.WriteVarLong(c.BrokerId);
        w.WriteVarLong(c.WhichBrokerWhenConsumeSlowly);
        w.WriteBool(c.NotifyConsumerIdsChangedEnable);
    }

    private static SubscriptionGroupConfig ReadSubscriptionGroupConfig(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadBool(), r.ReadBool(), r.ReadBool(), r.ReadBool(), r.ReadVarInt(), r.ReadVarInt(),
            r.ReadVarLong(), r.ReadVarLong(), r.ReadBool());

    private static void WriteConfigs(WireWriter w, IReadOnlyList<SubscriptionGroupConfig> configs)
    {
        w.WriteLength(configs.Count);
        foreach (var c in configs) Write(w, c);
    }

    private static SubscriptionGroupConfig[] ReadSubscriptionGroupConfigs(ref WireReader r)
    {
        var configs = new SubscriptionGroupConfig[r.ReadLength()];
        for (var i = 0; i < configs.Length; i++) configs[i] = ReadSubscriptionGroupConfig(ref r);
        return configs;
    }
}
