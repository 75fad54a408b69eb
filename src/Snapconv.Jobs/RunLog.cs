using System.Globalization;
using System.Text.Json;
using Snapconv.Core.Redaction;

namespace Snapconv.Jobs;

/// <summary>Log line format of <c>run</c> and <c>serve</c>.</summary>
public enum LogFormat
{
    /// <summary>A sentence per line.</summary>
    Text,
    /// <summary>One JSON object per line: time, level, job, step, message and counters.</summary>
    Json,
}

/// <summary>
/// Writes one line per run step (to stderr by default). Messages are fixed sentences with ids and counts only: never
/// a token, a password or a row's content; every URL in a message or field goes through <see cref="Redactor"/>. Thread-safe.
/// </summary>
/// <param name="format">Text or JSON lines.</param>
/// <param name="clock">The composition root's clock (each line's time).</param>
/// <param name="writer">Where lines go; null: standard error.</param>
public sealed class RunLog(LogFormat format, TimeProvider clock, TextWriter? writer = null)
{
    private readonly TextWriter _out = writer ?? System.Console.Error;
    private readonly TimeProvider _clock = clock;
    private readonly Lock _gate = new();

    /// <summary>The format.</summary>
    public LogFormat Format => format;

    private volatile Action<string, string, string, string>[] _observers = [];

    /// <summary>
    /// Tells <paramref name="observer"/> every line written from now on: level, job, step and the redacted message (serve
    /// keeps a run's lines in its history). Disposing the result stops it.
    /// </summary>
    public IDisposable Observe(Action<string, string, string, string> observer)
    {
        lock (_gate) _observers = [.. _observers, observer];
        return new Unsubscribe(() => { lock (_gate) _observers = _observers.Where(o => o != observer).ToArray(); });
    }

    private sealed class Unsubscribe(Action undo) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) undo(); }
    }

    /// <summary>Writes one line.</summary>
    public void Write(string level, string job, string step, string message, IReadOnlyDictionary<string, object?>? fields = null)
    {
        var now = _clock.GetUtcNow();
        message = Redactor.Text(message);
        string line;
        if (format == LogFormat.Json)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                w.WriteString("time", now.ToString("O", CultureInfo.InvariantCulture));
                w.WriteString("level", level);
                w.WriteString("job", job);
                w.WriteString("step", step);
                w.WriteString("message", message);
                if (fields is not null)
                    foreach (var (k, v) in fields)
                    {
                        switch (v)
                        {
                            case null: w.WriteNull(k); break;
                            case long l: w.WriteNumber(k, l); break;
                            case int i: w.WriteNumber(k, i); break;
                            case double d: w.WriteNumber(k, d); break;
                            case bool b: w.WriteBoolean(k, b); break;
                            default: w.WriteString(k, Redactor.TextOrNull(Convert.ToString(v, CultureInfo.InvariantCulture))); break;
                        }
                    }
                w.WriteEndObject();
            }
            line = System.Text.Encoding.UTF8.GetString(ms.ToArray());
        }
        else
        {
            line = $"{now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {level,-5} [{job}] {message}";
        }
        lock (_gate)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
        foreach (var o in _observers) o(level, job, step, message);
    }

    /// <summary>INFO line.</summary>
    public void Info(string job, string step, string message, IReadOnlyDictionary<string, object?>? fields = null) => Write("INFO", job, step, message, fields);
    /// <summary>WARN line (nothing lost).</summary>
    public void Warn(string job, string step, string message, IReadOnlyDictionary<string, object?>? fields = null) => Write("WARN", job, step, message, fields);
    /// <summary>ERROR line.</summary>
    public void Error(string job, string step, string message, IReadOnlyDictionary<string, object?>? fields = null) => Write("ERROR", job, step, message, fields);
}
