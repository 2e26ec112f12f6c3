using System.Text.Json;
using AkkaMq.Protocol;

namespace AkkaMq.Client.Consumer;

/// <summary>
/// Broadcasting consumers keep their offsets on the client (RocketMQ's LocalFileOffsetStore): one
/// JSON file per group and instance name, replaced atomically on each persist.
/// </summary>
public sealed class LocalFileOffsetStore : IOffsetStore
{
    private readonly string _path;
    private readonly OffsetTable _table = new();

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

    // ---- IOffsetStore: the file is read again for each queue, so a file another instance wrote is seen.

    /// <exception cref="AkkaMqException">The file is corrupt.</exception>
    public Task<long> ReadOffsetFromStoreAsync(MessageQueue mq) => Task.FromResult(Read(Load(), mq));

    public long ReadOffset(MessageQueue mq) => _table.Read(mq);

    public void UpdateOffset(MessageQueue mq, long offset, bool increaseOnly) => _table.Update(mq, offset, increaseOnly);

    /// <exception cref="IOException">The file could not be written; the offsets are written again with the next persist.</exception>
    public void PersistAll()
    {
        var changed = _table.Changed();
        if (changed.Count == 0) return;
        Persist(changed);
        foreach (var (mq, o) in changed) _table.MarkPersisted(mq, o);
    }

    public Task PersistAsync(IReadOnlyDictionary<MessageQueue, long> offsets)
    {
        Persist(offsets);
        return Task.CompletedTask;
    }

    public void RemoveOffset(MessageQueue mq) => _table.Remove(mq);

    public IReadOnlyDictionary<MessageQueue, long> CloneOffsetTable() => _table.Clone();
}
