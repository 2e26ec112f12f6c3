using Akka.Actor;
using AkkaMq.Broker.Store;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// The embedded journal's WAL is copied into the database file by the background checkpointer,
/// not by the journal writes: SQLite on its own would not checkpoint before the WAL reaches 1000
/// pages (4 MB), and with the checkpointer a commit does so only at wal-autocheckpoint. Past
/// wal-restart-size the checkpointer lets the WAL start over.
/// </summary>
public sealed class WalCheckpointerTests : BrokerTestBase
{
    public WalCheckpointerTests(ITestOutputHelper output)
        : base(output, StartNode("akkamq.store { checkpoint-interval = 50ms, wal-restart-size = 256 KiB }")) { }

    [Fact]
    public async Task Journal_writes_reach_the_database_file_through_the_background_checkpointer()
    {
        var db = new FileInfo(Path.Combine(Node.DataDir, "akkamq.db"));
        db.Refresh();
        var before = db.Length;
        CreateTopic("Checkpointed", 1);
        // About 2 MB of bodies, half of SQLite's own checkpoint threshold.
        var body = new string('x', 1024);
        for (var batch = 0; batch < 20; batch++)
        {
            var acks = Send(Enumerable.Range(0, 100).Select(i => Entry(Text("Checkpointed", body + i))).ToArray());
            Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
        }

        AwaitAssert(() =>
        {
            db.Refresh();
            Assert.True(db.Length - before >= 2_000_000, $"database file grew by {db.Length - before} bytes");
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        var checkpointer = await Sys.ActorSelection("/user/" + WalCheckpointer.Name).ResolveOne(TimeSpan.FromSeconds(5));
        checkpointer.Tell(WalCheckpointer.GetStats.Instance, TestActor);
        var stats = ExpectMsg<WalCheckpointer.CheckpointStats>();
        Assert.True(stats.Checkpoints > 0);
        Assert.Equal(0, stats.Failures);

        // Everything is still readable after the copy.
        var pulled = Pull("Checkpointed", 0, 1990, 32);
        Assert.Equal(10, pulled.Messages.Count);
        Assert.Equal(body + "99", System.Text.Encoding.UTF8.GetString(pulled.Messages[^1].Body));
    }

    [Fact]
    public async Task The_WAL_starts_over_once_past_wal_restart_size_instead_of_growing_to_wal_autocheckpoint()
    {
        var wal = new FileInfo(Path.Combine(Node.DataDir, "akkamq.db-wal"));
        CreateTopic("Restarted", 2);
        var checkpointer = await Sys.ActorSelection("/user/" + WalCheckpointer.Name).ResolveOne(TimeSpan.FromSeconds(5));
        // 12 MB of bodies: with only SQLite's checkpoint at wal-autocheckpoint (64 MiB) the WAL
        // file would hold all of it; starting over every 256 KiB or so, it stays a fraction.
        var body = new string('w', 1024);
        for (var batch = 0; batch < 120; batch++)
        {
            var acks = Send(Enumerable.Range(0, 100).Select(i => Entry(Text("Restarted", body + i), queueId: i % 2)).ToArray());
            Assert.All(acks, a => Assert.Equal(ResponseCode.Success, a.Code));
        }
        checkpointer.Tell(WalCheckpointer.GetStats.Instance, TestActor);
        var stats = ExpectMsg<WalCheckpointer.CheckpointStats>();
        Assert.True(stats.Restarts >= 2, $"the WAL started over {stats.Restarts} times");
        Assert.Equal(0, stats.Failures);
        wal.Refresh();
        // A restart waits for a moment with no reader, which a busy runner gives late; a WAL that never restarted holds all 12 MB.
        Assert.True(wal.Length < 9_000_000, $"WAL file is {wal.Length} bytes after 12 MB of sends");

        // Nothing was lost to the restarts: the first and the last message of each queue read back.
        Assert.Equal(body + "0", System.Text.Encoding.UTF8.GetString(Pull("Restarted", 0, 0, 1).Messages[0].Body));
        var last = Pull("Restarted", 1, 5999, 1);
        Assert.Equal(body + "99", System.Text.Encoding.UTF8.GetString(last.Messages[0].Body));
    }
}
