using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Benchmarks;

/// <summary>Messages shaped like a typical producer's: 1 KiB body, one tag, one key, optionally a few user properties.</summary>
internal static class TestData
{
    public const int BodySize = 1024;
    public const string Topic = "BenchTopic";
    public const string BrokerName = "broker-a";

    public static byte[] Body(int i)
    {
        var body = new byte[BodySize];
        new Random(i).NextBytes(body);
        return body;
    }

    public static Message[] Messages(int n, int properties = 0)
    {
        var msgs = new Message[n];
        for (var i = 0; i < n; i++)
        {
            Dictionary<string, string>? props = null;
            if (properties > 0)
            {
                props = new Dictionary<string, string>(properties);
                for (var j = 0; j < properties; j++) props["prop" + j] = "value-" + i;
            }
            msgs[i] = new Message(Topic, Body(i), tags: "TagA", keys: "order-" + i, properties: props);
        }
        return msgs;
    }

    public static SendEntry[] Entries(Message[] msgs, int queueId = 0)
    {
        var born = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entries = new SendEntry[msgs.Length];
        for (var i = 0; i < msgs.Length; i++) entries[i] = new SendEntry(i + 1, queueId, false, born, msgs[i]);
        return entries;
    }

    public static StoredMessage[] Stored(Message[] msgs)
    {
        var born = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var stored = new StoredMessage[msgs.Length];
        for (var i = 0; i < msgs.Length; i++) stored[i] = new StoredMessage(msgs[i].Tags, msgs[i].Keys, msgs[i].Properties, msgs[i].Body, born);
        return stored;
    }
}
