namespace AkkaMq.Hosting;

/// <summary>
/// An exclusive lock on a node's data directory, so two nodes never write one SQLite journal
/// (the second would hand out offsets the first already used).
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    public static DataDirectoryLock Acquire(string dataDir)
    {
        var dir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "LOCK");
        try
        {
            // FileShare.None is an flock on Unix: released by the OS when the process dies, even by SIGKILL.
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new IOException($"data directory {dir} is in use by another AkkaMq node ({e.Message})", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
