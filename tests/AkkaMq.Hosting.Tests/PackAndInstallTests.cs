using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace AkkaMq.Hosting.Tests;

/// <summary>
/// The NuGet path a user takes: pack the solution's packages into a local folder, build the worker sample
/// against them (a copy outside the repo, PackageReference), install the akkamq tool from the folder and run it.
/// Packs with --no-build: the projects are already built for this test run (the test project references them).
/// </summary>
public sealed class PackAndInstallTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(10);
    private readonly ITestOutputHelper _output;
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "akkamq-pack-test-" + Guid.NewGuid().ToString("N"));

    public PackAndInstallTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_temp);
    }

    public void Dispose()
    {
        try { Directory.Delete(_temp, true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task The_packages_build_the_worker_sample_and_install_the_akkamq_tool()
    {
        var root = RepoRoot();
        var configuration = typeof(PackAndInstallTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        // The packages carry the version the projects were built with (Directory.Build.props).
        var version = typeof(AkkaMqHostingExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
            .InformationalVersion.Split('+')[0];
        var feed = Path.Combine(_temp, "feed");

        await Dotnet(root, "pack", Path.Combine(root, "AkkaMq.sln"), "--no-build", "-c", configuration, "-o", feed, "--disable-build-servers");
        foreach (var id in new[] { "AkkaMq.Protocol", "AkkaMq.NameServer", "AkkaMq.Broker", "AkkaMq.Client", "AkkaMq.Hosting", "AkkaMq.TestKit", "AkkaMq.Cli" })
            Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.nupkg")), $"{id}.{version}.nupkg was packed");

        // Restore into a private packages folder, so nothing stale from an earlier run is used and the user's cache stays clean;
        // the local folder comes first, the machine's usual sources stay, and its package cache serves as a local feed.
        var userCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var sources = new StringBuilder($"    <add key=\"akkamq-local\" value=\"{feed}\" />\n");
        if (Directory.Exists(userCache)) sources.Append($"    <add key=\"local-package-cache\" value=\"{userCache}\" />\n");
        await File.WriteAllTextAsync(Path.Combine(_temp, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_temp, "packages")}" />
              </config>
              <packageSources>
            {sources}  </packageSources>
            </configuration>
            """);

        var worker = Path.Combine(_temp, "worker");
        CopySources(Path.Combine(root, "samples", "AkkaMq.Samples.Worker"), worker);
        await Dotnet(worker, "build", "-p:AkkaMqPackageVersion=" + version, "--disable-build-servers");
        using (var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(worker, "obj", "project.assets.json"))))
        {
            var library = assets.RootElement.GetProperty("libraries").GetProperty($"AkkaMq.Hosting/{version}");
            Assert.Equal("package", library.GetProperty("type").GetString());
        }

        var tools = Path.Combine(_temp, "tools");
        await Dotnet(_temp, "tool", "install", "--tool-path", tools, "--add-source", feed, "AkkaMq.Cli", "--version", version);
        var printed = await Run(_temp, Path.Combine(tools, OperatingSystem.IsWindows() ? "akkamq.exe" : "akkamq"), "--version");
        Assert.StartsWith(version, printed.Trim());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaMq.sln"))) return dir.FullName;
        throw new InvalidOperationException("AkkaMq.sln not found above " + AppContext.BaseDirectory);
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private Task<string> Dotnet(string workingDir, params string[] args) => Run(workingDir, "dotnet", args);

    private async Task<string> Run(string workingDir, string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        // The test host's MSBuild settings would steer the child build to this run's SDK state.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StepTimeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {StepTimeout}");
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            _output.WriteLine(output);
            Assert.Fail($"{fileName} {string.Join(' ', args)} exited with {process.ExitCode}: {Tail(output)}");
        }
        return output;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
