namespace Snapconv.Core.Formats;

/// <summary>Guesses a CSV delimiter among <c>, ; | TAB</c> from a sample of the file's first lines.</summary>
internal static class DelimiterSniffer
{
    public const char Fallback = ',';
    private const int MaxLines = 50;
    private static readonly char[] Candidates = [',', ';', '|', '\t'];

    /// <summary>
    /// Counts each candidate outside quotes on every complete line of <paramref name="sample"/> (a quoted newline
    /// does not end a line). The winner occurs on the header line and most often with the header's count on
    /// the following lines; ties go to the higher count, then to the order <c>, ; | TAB</c>. Falls back to a comma
    /// (one-column files).
    /// </summary>
    /// <param name="sample">The file's first characters.</param>
    /// <param name="complete">True when the sample is the whole file (its last line is complete).</param>
    public static char Sniff(ReadOnlySpan<char> sample, bool complete)
    {
        Span<int> current = stackalloc int[Candidates.Length];
        Span<int> header = stackalloc int[Candidates.Length];
        Span<int> consistent = stackalloc int[Candidates.Length];
        var lines = 0;
        var inQuotes = false;
        var lineHasContent = false;

        for (var i = 0; i <= sample.Length && lines < MaxLines; i++)
        {
            var atEnd = i == sample.Length;
            if (atEnd && !complete)
            {
                break; // the last line may be cut short: don't count it
            }

            var c = atEnd ? '\n' : sample[i];
            if (c == '"')
            {
                inQuotes = !inQuotes; // a doubled quote toggles twice
                lineHasContent = true;
                continue;
            }

            if (inQuotes)
            {
                continue;
            }

            if (c is '\n' or '\r')
            {
                if (lineHasContent)
                {
                    if (lines == 0)
                    {
                        current.CopyTo(header);
                    }
                    else
                    {
                        for (var k = 0; k < Candidates.Length; k++)
                        {
                            if (current[k] == header[k])
                            {
                                consistent[k]++;
                            }
                        }
                    }

                    lines++;
                }

                current.Clear();
                lineHasContent = false;
                continue;
            }

            lineHasContent = true;
            var idx = Array.IndexOf(Candidates, c);
            if (idx >= 0)
            {
                current[idx]++;
            }
        }

        if (lines == 0)
        {
            // No complete line: judge the partial first line alone.
            current.CopyTo(header);
        }

        var best = -1;
        for (var k = 0; k < Candidates.Length; k++)
        {
            if (header[k] == 0)
            {
                continue;
            }

            if (best < 0 || consistent[k] > consistent[best] || (consistent[k] == consistent[best] && header[k] > header[best]))
            {
                best = k;
            }
        }

        return best < 0 ? Fallback : Candidates[best];
    }
}
