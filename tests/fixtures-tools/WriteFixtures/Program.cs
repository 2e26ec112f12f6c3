// Writes the format fixtures that tests read: the serializer's bytes for every sample message, and a
// SQLite journal written by a standalone node. Run once at the commit named in the fixtures' names;
// re-running it on later code would only prove that code agrees with itself.
//   dotnet run --project tests/fixtures-tools/WriteFixtures -- serializer <out.txt>
//   dotnet run --project tests/fixtures-tools/WriteFixtures -- journal <out.sqlite>
using System.Reflection;
using System.Text;
using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Serialization;
using AkkaMq.TestKit;
using Microsoft.Data.Sqlite;

if (args.Length != 2) throw new ArgumentException("usage: serializer|journal <out>");
if (args[0] == "serializer") WriteSerializer(args[1]);
else if (args[0] == "journal") await WriteJournal(args[1]);
else throw new ArgumentException(args[0]);

static void WriteSerializer(string path)
{
    var tests = Assembly.Load("AkkaMq.Protocol.Tests");
    Dictionary<string, Func<object>> Samples(string type) =>
        (Dictionary<string, Func<object>>)tests.GetType(type, true)!.GetField("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    using var sys = ActorSystem.Create("fixture", ProtocolConfig.Default);
    var ser = new AkkaMqSerializer((ExtendedActorSystem)sys);
    var sb = new StringBuilder();
    sb.Append("# AkkaMqSerializer bytes of every sample in SerializerTests.cs / AdminSerializerTests.cs, written by\n");
    sb.Append("# tests/fixtures-tools/WriteFixtures at commit 5a1ab64 (the 1 MiB samples are left out).\n");
    sb.Append("# <sample name> <serializer id> <manifest> <payload, base64>\n");
    foreach (var all in new[] { Samples("AkkaMq.Protocol.Tests.Samples"), Samples("AkkaMq.Protocol.Tests.AdminSamples") })
        foreach (var (name, make) in all)
        {
            if (name.Contains("1MiB")) continue;
            var m = make();
            sb.Append($"{name} {ser.Identifier} {ser.Manifest(m)} {Convert.ToBase64String(ser.ToBinary(m))}\n");
        }
    File.WriteAllText(path, sb.ToString());
}

static async Task WriteJournal(string path)
{
    var dataDir = Path.Combine(Path.GetTempPath(), "akkamq-fixture-" + Guid.NewGuid().ToString("N"));
    var timeout = TimeSpan.FromSeconds(10);
    var node = AkkaMqTestNode.StartStandalone("""
        akkamq.broker.queue.snapshot-every = 3
        akkamq.broker.schedule.snapshot-every = 2
        akkamq.broker.consumer-offsets.snapshot-every = 2
        """, dataDir);
    await node.WaitUntilReadyAsync();
    var broker = node.Settings.Broker!.BrokerName;
    var gateway = await node.System.ActorSelection("/user/broker").ResolveOne(timeout);
    var namesrv = await node.System.ActorSelection("/user/namesrv").ResolveOne(timeout);

    async Task Create(string topic, int queues) =>
        Check((await namesrv.Ask<CreateTopicReply>(new CreateTopic(new TopicConfig(topic, queues, queues, Perm.ReadWrite), null, null), timeout)).Code);
    await Create("FixtureTopic", 2);
    await Create("FixtureDelayed", 1);
    await Create("FixtureDoomed", 1);
    Check((await gateway.Ask<UpdateTopicConfigReply>(new UpdateTopicConfig(broker, new TopicConfig("FixtureCustom", 4, 2, Perm.Read | Perm.Write | Perm.Inherit)), timeout)).Code);

    long correlation = 0;
    async Task Send(int queueId, Message m, long born)
    {
        var acks = await gateway.Ask<SendAcks>(new SendMessages(broker, new[] { new SendEntry(++correlation, queueId, false, born, m) }), timeout);
        Check(acks.Acks[0].Code);
    }
    // One send per journal write, so snapshot-every = 3 leaves snapshots and events after them.
    for (var i = 0; i < 5; i++)
        await Send(0, new Message("FixtureTopic", Encoding.UTF8.GetBytes($"body-{i} 主题-ü"), i % 2 == 0 ? "TagA" : "TagB", $"order-{i} shared-key",
            new Dictionary<string, string> { ["seq"] = i.ToString(), ["名"] = "值-ü" }), 1_700_000_000_000 + i);
    await Send(1, new Message("FixtureTopic", new byte[] { 0, 1, 2, 254, 255 }, null, null), 1_700_000_001_000);
    await Send(1, new Message("FixtureTopic", new byte[] { 42 }, "TagC", "one-byte", new Dictionary<string, string> { ["empty"] = "" }), 1_700_000_001_001);

    async Task Commit(Dictionary<int, long> offsets) =>
        Check((await gateway.Ask<CommitConsumerOffsetsReply>(new CommitConsumerOffsets(broker, "fixture-group", "FixtureTopic", offsets), timeout)).Code);
    await Commit(new Dictionary<int, long> { [0] = 3, [1] = 1 });
    await Commit(new Dictionary<int, long> { [0] = 4 });
    await Commit(new Dictionary<int, long> { [1] = 2 });

    // One delayed message delivered before the stop, one still pending at the stop (due soon after).
    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    await Send(0, Message.FromText("FixtureDelayed", "delivered before the stop", "TagD", "delayed-1",
        new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = (now + 1000).ToString() }), 1_700_000_002_000);
    await Send(0, Message.FromText("FixtureDelayed", "pending at the stop", "TagD", "delayed-2",
        new Dictionary<string, string> { [MessageConst.TimerDeliverMs] = (now + 60_000).ToString() }), 1_700_000_002_001);
    while (true)
    {
        var r = await gateway.Ask<PullResult>(new PullMessage(broker, "g", "FixtureDelayed", 0, 0, 32, "*", 2000), timeout);
        if (r.Status == PullStatus.Found) break;
    }

    Check((await gateway.Ask<DeleteTopicReply>(new DeleteTopicInBroker(broker, "FixtureDoomed"), timeout)).Code);
    await node.StopAsync();
    if (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > now + 50_000) throw new InvalidOperationException("too slow: the pending message may have been delivered");

    var db = Path.Combine(dataDir, "akkamq.db");
    using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
    {
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        cmd.ExecuteNonQuery();
    }
    File.Copy(db, path, overwrite: true);
    Directory.Delete(dataDir, true);
    Console.WriteLine($"wrote {path} ({new FileInfo(path).Length} bytes)");
}

static void Check(ResponseCode code)
{
    if (code != ResponseCode.Success) throw new InvalidOperationException(code.ToString());
}
