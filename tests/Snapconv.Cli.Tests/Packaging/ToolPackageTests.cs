using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace Snapconv.Cli.Tests.Packaging;

/// <summary>
/// #15: `snapconv` is a command after one install step. Packs the CLI project as built (no second build), installs
/// the package into a temporary tool path from that folder alone, and runs the installed command from another
/// directory, as a user would after `dotnet tool install`.
/// </summary>
public class ToolPackageTests
{
    // A quiet machine packs and installs in ~15 s; the bound only stops a hung child from hanging the suite.
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(5);

    private static string Configuration =>
        typeof(ToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    private static string CliProject => Path.Combine(RepoPaths.Root, "src", "Snapconv.Cli", "Snapconv.Cli.csproj");

    [Fact]
    public async Task ToolPackage_PackedAndInstalled_RunsAsSnapconvWithTheProjectVersion()
    {
        using var tmp = new TempDir();
        var feed = Directory.CreateDirectory(tmp.File("feed")).FullName;

        var pack = await RunAsync(Dotnet, tmp.Path,
            "pack", CliProject, "-c", Configuration, "--no-build", "-o", feed, "-nologo", "-v", "q");
        Assert.True(pack.Code == 0, "dotnet pack failed:\n" + pack.Out + pack.Err);

        var version = ProjectVersion();
        var package = Path.Combine(feed, $"snapconv.{version}.nupkg");
        Assert.True(File.Exists(package), "no " + package + " in " + string.Join(", ", Directory.GetFiles(feed)));
        using (var zip = ZipFile.OpenRead(package))
        {
            var settingsEntry = zip.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
            using var stream = settingsEntry.Open();
            var command = XDocument.Load(stream).Descendants("Command").Single();
            Assert.Equal("snapconv", command.Attribute("Name")?.Value);
            Assert.Equal("snapconv.dll", command.Attribute("EntryPoint")?.Value);
            // The presets are embedded in Snapconv.Core; SQLite's native library must travel for the ledger.
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/Snapconv.Core.dll", StringComparison.Ordinal));
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/runtimes/linux-x64/native/libe_sqlite3.so", StringComparison.Ordinal));
        }

        // Only the local folder as a source: the test needs no network, and finds exactly the package just made.
        var config = tmp.File("nuget.config");
        await File.WriteAllTextAsync(config,
            $"""
             <?xml version="1.0" encoding="utf-8"?>
             <configuration><packageSources><clear /><add key="local" value="{feed}" /></packageSources></configuration>
             """);
        var toolPath = tmp.File("tools");
        var install = await RunAsync(Dotnet, tmp.Path,
            "tool", "install", "snapconv", "--tool-path", toolPath, "--configfile", config, "--version", version);
        Assert.True(install.Code == 0, "dotnet tool install failed:\n" + install.Out + install.Err);

        var workDir = Directory.CreateDirectory(tmp.File("elsewhere")).FullName;
        var snapconv = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "snapconv.exe" : "snapconv");
        var shown = await RunAsync(snapconv, workDir, "--version");
        Assert.True(shown.Code == 0, shown.Err);
        Assert.StartsWith(version, shown.Out.Trim(), StringComparison.Ordinal);

        // The embedded presets load from the installed assemblies, not from the repository's files.
        var presets = await RunAsync(snapconv, workDir, "presets", "show", "hubspot-deals");
        Assert.True(presets.Code == 0, presets.Err);
        Assert.Contains("columns:", presets.Out);
    }

    [Fact]
    public async Task SingleFilePublish_Evaluated_BundlesNativeLibrariesAndPrecompiles()
    {
        // The properties `dotnet publish -r linux-x64 --self-contained -p:PublishSingleFile=true` evaluates (the
        // publish itself takes minutes): without self-extraction, libe_sqlite3.so would land beside the binary and a
        // copied `snapconv` would fail at its first ledger open.
        var eval = await RunAsync(Dotnet, RepoPaths.Root,
            "msbuild", CliProject, "-nologo", "-p:Configuration=Release", "-p:RuntimeIdentifier=linux-x64",
            "-p:SelfContained=true", "-p:PublishSingleFile=true",
            "-getProperty:IncludeNativeLibrariesForSelfExtract", "-getProperty:PublishReadyToRun",
            "-getProperty:PublishReadyToRunComposite", "-getProperty:PublishTrimmed");
        Assert.True(eval.Code == 0, eval.Out + eval.Err);
        Assert.Contains("\"IncludeNativeLibrariesForSelfExtract\": \"true\"", eval.Out);
        Assert.Contains("\"PublishReadyToRun\": \"true\"", eval.Out);
        // A composite image recompiles the whole framework: a publish of half an hour for no measured gain.
        Assert.Contains("\"PublishReadyToRunComposite\": \"false\"", eval.Out);
        Assert.DoesNotContain("\"PublishTrimmed\": \"true\"", eval.Out);
    }

    private static string ProjectVersion()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        return props.Descendants("Version").Single().Value.Trim();
    }

    // The host running this test is the dotnet the repository builds with.
    private static string Dotnet =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static async Task<(int Code, string Out, string Err)> RunAsync(string file, string workDir, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {ProcessTimeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
