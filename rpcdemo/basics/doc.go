// Command basics shows Go's net/rpc from the ground up: a service on its own
// rpc.Server, synchronous and asynchronous calls sharing one connection, an
// error from the server that arrives as a bare string, a client-side timeout,
// the same service over JSON-RPC (which you can call with nc), and what each
// kind of failure looks like to the caller.
//
//	go run ./rpcdemo/basics
//
// plays the whole story on 127.0.0.1, on ports the kernel picks, and exits
// after about two seconds (two steps wait for a deliberately slow method).
// Sample output, abridged (ports vary):
//
//	== 2. A synchronous call: client.Call blocks until the reply is in
//	   Arith.Multiply 6*7 = 42
//	== 3. Asynchronous calls: client.Go returns at once; call.Done says when the reply is in
//	   started SlowMultiply 6*7, Multiply 2*3 and Multiply 4*5 on one client, one connection
//	   Multiply 2*3 = 6
//	   Multiply 4*5 = 20
//	   SlowMultiply is still running: the fast replies overtook it
//	   SlowMultiply 6*7 = 42 (after 1s)
//	== 4. An error returned by the server
//	   Arith.Divide 7/0 -> error "arith: divide by zero" of type rpc.ServerError
//	   errors.Is(err, ErrDivideByZero) = false: only the text crossed the wire, not the error value.
//	== 5. A client-side timeout: select on call.Done and a timer
//	   SlowMultiply 3*3: gave up after 200ms
//	   The late reply arrived anyway: 3*3 = 9. A caller that had moved on discards it,
//	== 6. The same service over net/rpc/jsonrpc
//	   raw TCP, sent:     {"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":1}
//	   raw TCP, received: {"id":1,"result":56,"error":null}
//	== 7. Bad input and failures
//	   JSON-RPC, not JSON: sent {"method": Arith.Multiply}
//	     no reply: the server closed the connection (the client reads EOF)
//	   unknown method Arith.Sqrt -> rpc.ServerError "rpc: can't find method Arith.Sqrt"
//	   call after client.Close() -> "connection is shut down"; errors.Is(err, rpc.ErrShutdown) = true
//	   dial where no server listens -> dial tcp 127.0.0.1:35235: connect: connection refused
//	     the call in flight -> "unexpected EOF" (io.ErrUnexpectedEOF)
//	     the next call -> "connection is shut down", and so will every later one:
//
// The full output, as the tests see it over net.Pipe, is in
// testdata/story.golden.
//
// # Two processes
//
// Run the servers in one terminal and the story, or nc, in another:
//
//	go run ./rpcdemo/basics -serve -addr 127.0.0.1:7000   # gob on 7000, JSON-RPC on 7001
//	go run ./rpcdemo/basics -addr 127.0.0.1:7000          # the story, against them
//	echo '{"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":1}' | nc -q1 127.0.0.1 7001
//
// The server logs each connection and stops on Ctrl-C (or SIGTERM). -jsonaddr
// puts JSON-RPC elsewhere than the next port. -q1 makes nc quit a second after
// it has sent the line; it works with both of Debian's netcats
// (netcat-traditional and netcat-openbsd). Where nc has no -q (the BSDs), use
// -N. Without either, nc waits for more, because the server keeps the
// connection open for the next request.
//
// # How it works
//
// One rpc.Server, created with rpc.NewServer rather than the process-wide
// rpc.Register, holds the Arith service. Each accepted connection gets a
// goroutine running ServeConn (gob) or ServeCodec with a JSON-RPC codec; the
// server reads requests in order and runs each call in a goroutine of its own.
// The client side, an *rpc.Client, writes requests tagged with sequence
// numbers and has one goroutine reading replies and matching them to pending
// calls, which is why many calls can share one connection.
//
// The story only needs a writer and a few dial functions (the network type),
// so the tests run it over net.Pipe inside a testing/synctest bubble, where
// the slow method and the timeout take virtual time and the output is the
// same on every run.
//
// # Reading order
//
// service.go (the Arith service and the rules net/rpc puts on it), server.go
// (accepting connections and stopping), story.go (the network and the order of
// the steps), calls.go (steps 2 to 4), timeout.go (step 5), jsonrpc.go (step
// 6), failures.go (step 7), main.go (flags and the TCP wiring). Then
// example_test.go for the smallest complete program, and story_test.go for the
// story in a bubble.
//
// # Baseline figures
//
// The cost of one Arith.Multiply call through net/rpc, request encoding to
// reply decoding, measured with
//
//	go test -run '^$' -bench . -benchmem ./rpcdemo/basics
//
// on 2 cores, 2026-11-29, median of 3 runs (-count=3) on a machine busy with
// other work, so an idle machine does somewhat better:
//
//	BenchmarkCall_Loopback          gob, TCP on 127.0.0.1, one call at a time    39.0 µs/op  489 B/op  14 allocs/op
//	BenchmarkCall_LoopbackParallel  gob, TCP, one client shared by 2 goroutines  32.8 µs/op  487 B/op  14 allocs/op
//	BenchmarkCall_Pipe              gob, net.Pipe (no sockets)                    8.2 µs/op  488 B/op  14 allocs/op
//	BenchmarkCall_JSONLoopback      JSON-RPC, TCP on 127.0.0.1                   45.1 µs/op  952 B/op  23 allocs/op
//	BenchmarkCall_JSONPipe          JSON-RPC, net.Pipe                           12.6 µs/op  952 B/op  23 allocs/op
//
// The sockets, not the encoding, dominate a loopback call: the same call over
// net.Pipe costs a fifth as much. These are the figures that the Raft
// benchmarks compare against: a replicated write costs at least one such
// round trip to a majority.
package main
