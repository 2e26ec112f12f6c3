using System.Text;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// A journal write that fails is answered with an error naming the queue, the queue log restarts
/// from the journal, and the node keeps serving: a send made as soon as the error arrives is
/// stored, not lost to the dying incarnation of the log.
/// </summary>
public sealed class JournalFailureTests : BrokerTestBase
{
    private const string Poison = "POISON-PILL";

    public JournalFailureTests(ITestOutputHelper output) : base(output, StartNode()) { }

    [Fact]
    public void A_failed_journal_write_is_answered_and_the_next_send_is_stored()
    {
        CreateTopic("Failing", 1);
        Assert.Equal(ResponseCode.Success, Assert.Single(Send(Entry(Text("Failing", "first")))).Code);
        // The database refuses any event that carries the poison body, as a full disk or a broken
        // connection would refuse a write; the data stays as it was.
        using (var c = new SqliteConnection($"Data Source={Path.Combine(Node.DataDir, "akkamq.db")}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                CREATE TRIGGER refuse_poison BEFORE INSERT ON journal
                WHEN instr(NEW.message, CAST('{Poison}' AS BLOB)) > 0
                BEGIN SELECT RAISE(ABORT, 'injected write failure'); END;
                """;
            cmd.ExecuteNonQuery();
        }

        // The race lies between the failure reply and the shard seeing the log stop: repeat it.
        var stored = new List<string> { "first" };
        for (var round = 0; round < 10; round++)
        {
            var failed = Assert.Single(Send(Entry(Text("Failing", Poison))));
            Assert.Equal(ResponseCode.SystemError, failed.Code);
            Assert.Contains("Failing:0", failed.Error);
            var body = $"after failure {round}";
            var ack = Assert.Single(Send(Entry(Text("Failing", body))));
            Assert.True(ack.Code == ResponseCode.Success, ack.Error);
            Assert.Equal(stored.Count, ack.QueueOffset);
            stored.Add(body);
        }

        // Only acknowledged messages are in the log, at their acknowledged offsets.
        var r = Pull("Failing", 0, 0, 64);
        Assert.Equal(stored, r.Messages.Select(m => Encoding.UTF8.GetString(m.Body)));
        Assert.Equal(stored.Count, r.MaxOffset);
    }
}
