using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace AkkaMq.Hosting;

/// <summary>
/// Reads a node's HOCON file with its includes. <c>include "other.conf"</c> is read relative to
/// the file that names it, as Lightbend config reads file includes, so a set of node files can
/// share one base file. Akka's parser takes includes only through a callback: without one, any
/// include stopped the node with a NullReferenceException instead of a message.
/// </summary>
public static partial class HoconFile
{
    private const int MaxIncludeDepth = 16;

    // Akka's parser reads these forms as odd keys without complaint; refuse them instead.
    [GeneratedRegex(@"(?m)^\s*include\s+(file|url|classpath|required)\s*\(")]
    private static partial Regex UnsupportedInclude();

    public static Config Load(string path)
    {
        var file = Path.GetFullPath(path);
        return ConfigurationFactory.ParseString(Read(file, null), Includer(file, 1));
    }

    private static Func<string, HoconRoot> Includer(string including, int depth) => name =>
    {
        if (depth > MaxIncludeDepth)
            throw new ConfigurationException($"includes nest deeper than {MaxIncludeDepth} files at {including} (does a file include itself?)");
        var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(including)!, name));
        return Parser.Parse(Read(target, including), Includer(target, depth + 1));
    };

    private static string Read(string file, string? including)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (including != null && e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"include in {including}: cannot read {file}: {e.Message}");
        }
        var unsupported = UnsupportedInclude().Match(text);
        if (unsupported.Success)
            throw new ConfigurationException($"{file}: '{unsupported.Value.Trim()}' is not supported; write include \"path\" (relative to the including file)");
        return text;
    }
}
