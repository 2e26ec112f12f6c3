using System.Text.Json;
using AkkaMq.Protocol;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// Broadcasting consumers keep their offsets on the client (RocketMQ's LocalFileOffsetStore): one
/// JSON file per group and instance name, replaced atomically on each persist.
/// </summary>
public sealed class LocalFileOffsetStore
{
    private readonly string _path;

    public LocalFileOffsetStore(string dir, string group, string instanceName)
    {
        if (string.IsNullOrWhiteSpace(dir))
            dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".akkamq_offsets");
        _path = Path.Combine(dir, instanceName, group, "offsets.json");
    }

    public string FilePath => _path;

    private static string Key(MessageQueue mq) => $"{mq.Topic}@{mq.BrokerName}:{mq.QueueId}";

    public Dictionary<string, long> Load()
    {
        if (!File.Exists(_path)) return new Dictionary<string, long>();
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(_path)) ?? new Dictionary<string, long>();
        }
        catch (JsonException e)
        {
            throw new AkkaMqException(ResponseCode.SystemError, $"broadcasting offset file {_path} is corrupt: {e.Message}");
        }
    }

    public long Read(Dictionary<string, long> loaded, MessageQueue mq) => loaded.TryGetValue(Key(mq), out var o) ? o : -1;

    public void Persist(IEnumerable<KeyValuePair<MessageQueue, long>> offsets)
    {
        var map = Load();
        foreach (var (mq, offset) in offsets) map[Key(mq)] = offset;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var tmp = _path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(map));
        File.Move(tmp, _path, overwrite: true);
    }
}
