namespace Snapconv.Delivery.Upload;

/// <summary>
/// Counts, per input file (by its index in the run's file list), the accepted events not yet settled, and tells
/// <c>onSettled</c> once for each file whose reading finished and whose every event was acknowledged or rejected by
/// Snap (or acknowledged by an earlier run). A file with an event that failed (pending for the next run) is never
/// told. Nothing is told before <see cref="Open"/> (the first-sample gate let the run through). Thread-safe: the
/// reader counts and finishes files while send workers settle events.
/// </summary>
/// <param name="onSettled">Told a file's index, at most once per file, on the thread that settled it; must not throw.</param>
internal sealed class FileSettlement(Action<int> onSettled)
{
    private readonly Lock _lock = new();
    private readonly List<FileState> _files = [];
    private bool _open;

    /// <summary>Counts <paramref name="events"/> more accepted events of file <paramref name="file"/>.</summary>
    public void Accepted(int file, int events = 1)
    {
        lock (_lock) At(file).Outstanding += events;
    }

    /// <summary>The reader finished file <paramref name="file"/>: no more of its events will be accepted.</summary>
    public void Read(int file) => Update(file, s => s.Read = true);

    /// <summary><paramref name="events"/> events of file <paramref name="file"/> settled (acknowledged or rejected).</summary>
    public void Settled(int file, int events = 1) => Update(file, s => s.Outstanding -= events);

    /// <summary>An event of file <paramref name="file"/> failed and stays pending: the file is not settled in this run.</summary>
    public void Failed(int file) => Update(file, s => s.Failed = true);

    /// <summary>From now on settled files are told (the sample gate passed, or there is none).</summary>
    public void Open()
    {
        List<int>? ready = null;
        lock (_lock)
        {
            _open = true;
            for (var i = 0; i < _files.Count; i++)
                if (TakeIfSettled(_files[i])) (ready ??= []).Add(i);
        }
        foreach (var i in ready ?? []) onSettled(i);
    }

    private void Update(int file, Action<FileState> change)
    {
        bool tell;
        lock (_lock)
        {
            var s = At(file);
            change(s);
            tell = _open && TakeIfSettled(s);
        }
        if (tell) onSettled(file);
    }

    private static bool TakeIfSettled(FileState s)
    {
        if (s.Told || s.Failed || !s.Read || s.Outstanding != 0) return false;
        s.Told = true;
        return true;
    }

    private FileState At(int file)
    {
        while (_files.Count <= file) _files.Add(new FileState());
        return _files[file];
    }

    private sealed class FileState
    {
        public int Outstanding;
        public bool Read;
        public bool Failed;
        public bool Told;
    }
}
