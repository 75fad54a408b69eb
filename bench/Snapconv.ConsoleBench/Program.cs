// dotnet run -c Release --project bench/Snapconv.ConsoleBench -- [--jobs 200] [--runs 20000] [--requests 50] [--state-dir DIR]
// Exit 0 when every measured answer's p95 server time is under 100 ms.
return await Snapconv.ConsoleBench.ConsoleBench.RunAsync(args);
