using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>The README and docs/ stay true to the code: every config key documented, the example compiled, no link leaving the repository.</summary>
public sealed partial class DocsTests
{
    private static readonly string Root = NodeProcess.RepoRoot();

    /// <summary>Every embedded reference config of the src projects.</summary>
    public static IEnumerable<string> ReferenceConfigs() =>
        Directory.GetFiles(Path.Combine(Root, "src"), "reference.conf", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "Configuration" && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                                                                                     && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Order();

    /// <summary>Full paths of the config's leaf values; a segment holding a dot, space or comma is quoted as HOCON writes it.</summary>
    public static List<string> LeafPaths(Config config)
    {
        var paths = new List<string>();
        Collect(config.Root, "", paths);
        return paths;
    }

    private static void Collect(HoconValue value, string prefix, List<string> paths)
    {
        if (!value.IsObject())
        {
            paths.Add(prefix);
            return;
        }
        foreach (var (key, child) in value.GetObject().Items)
        {
            var segment = key.IndexOfAny(['.', ' ', ',']) >= 0 ? $"\"{key}\"" : key;
            Collect(child, prefix.Length == 0 ? segment : prefix + "." + segment, paths);
        }
    }

    /// <summary>Keys of the given reference configs that the document does not name by their full path.</summary>
    public static List<string> UndocumentedKeys(IEnumerable<string> referenceConfigs, string document) =>
        referenceConfigs
            .SelectMany(f => LeafPaths(ConfigurationFactory.ParseString(File.ReadAllText(f))).Select(k => (File: f, Key: k)))
            .Where(k => !document.Contains(k.Key, StringComparison.Ordinal))
            .Select(k => $"{k.Key} ({Path.GetRelativePath(Root, k.File)})")
            .ToList();

    [Fact]
    public void The_reference_configs_are_found_and_have_keys()
    {
        var files = ReferenceConfigs().ToList();
        Assert.Contains(files, f => f.Contains("AkkaMq.Broker"));
        Assert.Contains(files, f => f.Contains("AkkaMq.Hosting"));
        Assert.Contains("akkamq.broker.brokerName", LeafPaths(ConfigurationFactory.ParseString(File.ReadAllText(files.Single(f => f.Contains("AkkaMq.Broker"))))));
    }

    [Fact]
    public void Every_key_of_every_reference_config_is_in_the_configuration_doc()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
        var missing = UndocumentedKeys(ReferenceConfigs(), doc);
        Assert.True(missing.Count == 0, "docs/configuration.md does not mention: " + string.Join(", ", missing));
    }

    [Fact]
    public void A_key_left_out_of_the_configuration_doc_is_named()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "configuration.md"));
        var broker = ReferenceConfigs().Single(f => f.Contains("AkkaMq.Broker"));
        var missing = UndocumentedKeys([broker], doc.Replace("akkamq.broker.queue.read-ahead-keep", "(removed)"));
        Assert.Equal(["akkamq.broker.queue.read-ahead-keep (src/AkkaMq.Broker/Configuration/reference.conf)".Replace('/', Path.DirectorySeparatorChar)], missing);
    }

    private const string BeginMarker = "// README example: begin";
    private const string EndMarker = "// README example: end";

    private static string Normalize(string code) => Whitespace().Replace(code, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"```csharp\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [Fact]
    public void The_readme_example_is_the_compiled_one()
    {
        var source = File.ReadAllText(Path.Combine(Root, "tests", "AkkaMq.Node.Tests", "ReadmeExample.cs"));
        var begin = source.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = source.IndexOf(EndMarker, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "ReadmeExample.cs has lost its markers");
        var compiled = source[(begin + BeginMarker.Length)..end];

        var blocks = CSharpBlock().Matches(File.ReadAllText(Path.Combine(Root, "README.md")));
        var block = Assert.Single(blocks);
        Assert.Equal(Normalize(compiled), Normalize(block.Groups[1].Value));
    }

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    public static IEnumerable<string> MarkdownFiles() =>
        new[] { Path.Combine(Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md"))
            .Concat(Directory.GetFiles(Path.Combine(Root, "bench"), "*.md", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")));

    /// <summary>Links of a markdown file that leave the repository or name nothing: "file: link (why)".</summary>
    public static List<string> BadLinks(string markdownFile)
    {
        var bad = new List<string>();
        var dir = Path.GetDirectoryName(markdownFile)!;
        foreach (Match m in MarkdownLink().Matches(File.ReadAllText(markdownFile)))
        {
            var link = m.Groups[1].Value;
            var name = Path.GetRelativePath(Root, markdownFile);
            if (link.StartsWith('#')) continue;
            if (link.Contains("://") || link.StartsWith("mailto:"))
            {
                bad.Add($"{name}: {link} (leaves the repository)");
                continue;
            }
            var target = Path.GetFullPath(Path.Combine(dir, link.Split('#')[0]));
            if (!target.StartsWith(Root + Path.DirectorySeparatorChar) && target != Root)
                bad.Add($"{name}: {link} (outside the repository)");
            else if (!File.Exists(target) && !Directory.Exists(target))
                bad.Add($"{name}: {link} (no such file)");
        }
        return bad;
    }

    [Fact]
    public void No_link_of_the_readme_or_docs_leaves_the_repository_or_names_a_missing_file()
    {
        var bad = MarkdownFiles().SelectMany(BadLinks).ToList();
        Assert.True(bad.Count == 0, "bad links: " + string.Join("; ", bad));
    }

    [Fact]
    public void A_link_outside_the_repository_is_caught()
    {
        var file = Path.Combine(Root, "docs", $"linkcheck-{Guid.NewGuid():N}.md");
        File.WriteAllText(file, "[a](../../shared/ARCHITECTURE.md) [b](https://example.org) [c](configuration.md) [d](nope.md)");
        try
        {
            var bad = BadLinks(file);
            Assert.Equal(3, bad.Count);
            Assert.Contains(bad, b => b.Contains("../../shared/ARCHITECTURE.md (outside the repository)"));
            Assert.Contains(bad, b => b.Contains("https://example.org (leaves the repository)"));
            Assert.Contains(bad, b => b.Contains("nope.md (no such file)"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
