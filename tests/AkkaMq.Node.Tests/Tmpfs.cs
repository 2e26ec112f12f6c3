using System.Diagnostics;
using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>
/// A small real file system for one test: a tmpfs mounted on a fresh temp directory (Linux, as
/// root), unmounted and removed on dispose.
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> CannotMount = new(ProbeMount);

    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    /// <summary>Why no tmpfs can be mounted here (not Linux, not root, no mount permission); null when one can.</summary>
    public static string? CannotMountReason => CannotMount.Value;

    /// <summary>Mounts a tmpfs of sizeMiB; throws with mount's own message when it cannot.</summary>
    public static Tmpfs Mount(int sizeMiB)
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "akkamq-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeMiB}M", "tmpfs", dir);
        if (code != 0)
        {
            Directory.Delete(dir);
            throw new InvalidOperationException($"mount -t tmpfs -o size={sizeMiB}M tmpfs {dir} failed (exit {code}): {output.Trim()}; this test needs root on Linux");
        }
        return new Tmpfs(dir);
    }

    public void Dispose()
    {
        // A lazy unmount should something still hold a file open; the directory goes either way.
        if (Run("umount", Path).Code != 0) Run("umount", "-l", Path);
        try { Directory.Delete(Path, true); } catch (IOException) { }
    }

    private static string? ProbeMount()
    {
        if (!OperatingSystem.IsLinux()) return "a tmpfs mount needs Linux";
        try
        {
            using var probe = Mount(1);
            return null;
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}

/// <summary>
/// A fact that mounts a tmpfs: skipped (with mount's reason) where none can be mounted, except in
/// CI (CI=true), where it runs and fails loudly, as CI runs as root.
/// </summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (!Postgres.IsCi && Tmpfs.CannotMountReason is { } why) Skip = why;
    }
}
