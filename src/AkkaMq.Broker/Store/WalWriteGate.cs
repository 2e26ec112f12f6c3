using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace AkkaMq.Broker.Store;

/// <summary>
/// One lock per SQLite database file, taken by the journal around each commit and by the
/// <see cref="WalCheckpointer"/> around the short pass that lets the WAL start over (see there).
/// </summary>
public static class WalWriteGate
{
    private static readonly ConcurrentDictionary<string, object> Gates = new(StringComparer.Ordinal);

    public static object For(string connectionString)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        return Gates.GetOrAdd(string.IsNullOrEmpty(file) || file.StartsWith(':') ? connectionString : Path.GetFullPath(file), _ => new object());
    }
}
