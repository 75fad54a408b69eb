namespace Snapconv.Jobs;

/// <summary>
/// The process exit codes, written once: every CLI command, each job of <c>run</c> and the <c>exit_code</c> of serve's
/// <c>/jobs</c> use these. Each is one of the three failure kinds (<see cref="FailureKind"/>).
/// </summary>
public static class ExitCode
{
    /// <summary>Everything delivered, or nothing new.</summary>
    public const int Ok = 0;
    /// <summary>An unexpected failure (fatal; the details only in the <c>--debug</c> log).</summary>
    public const int Unexpected = 1;
    /// <summary>A usage, configuration or input error (fatal: fix it, then run again).</summary>
    public const int UsageOrInput = 2;
    /// <summary>The sample gate stopped the upload: too many rejected rows; nothing was sent.</summary>
    public const int SampleGate = 3;
    /// <summary>Retriable: events stay pending or the source was unreachable; the same command resumes.</summary>
    public const int Retriable = 4;
    /// <summary>Stopped by Ctrl+C (SIGINT), or cancelled in-process.</summary>
    public const int StoppedBySigint = 130;
    /// <summary>Stopped by SIGTERM.</summary>
    public const int StoppedBySigterm = 143;

    /// <summary>The failure kind an exit code reports.</summary>
    public static FailureKind? KindOf(int code) => code switch
    {
        Ok => null,
        Retriable or StoppedBySigint or StoppedBySigterm => FailureKind.Retriable,
        SampleGate => FailureKind.Row,
        _ => FailureKind.Fatal,
    };
}

/// <summary>The three kinds of failure; each ends a run (or a row) its own way.</summary>
public enum FailureKind
{
    /// <summary>Usage, configuration, input or an unexpected failure: stop with the exit code; running again as is fails again.</summary>
    Fatal,
    /// <summary>Transport, throttling, an unreachable source, a stop: keep pending, back off; the next run resumes.</summary>
    Retriable,
    /// <summary>A row Snap's rules refuse: a rejects row with file, row, field and code; the run goes on (the sample gate
    /// stops it when too many of the first rows are rejected).</summary>
    Row,
}
