// Command nodejs-adapter is installed as `pulumi-language-nodejs` by
// scripts/toolchain.ts, only where the project builds its own Pulumi CLI.
//
// Why it exists: the Go module proxy serves the Pulumi CLI (pkg/v3) but not
// the standalone nodejs language host module, and the last host it serves
// (inside sdk/v3 v3.68.0) predates RunPlugin, through which CLIs since 3.221
// start policy packs ("could not read plugin …: not supported"). This adapter
// forwards every LanguageRuntime call, byte for byte, to that v3.68.0 host and
// answers RunPlugin for policy packs (kind "analyzer") itself, the way the
// current nodejs host does, with sdk/v3's public PolicyProxy. Run goes to a
// v3.68.0 host started with the project's runtime options as flags, the only
// place that host reads them (legacyHosts).
//
// When to delete it: as soon as the proxy serves
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 at the
// pinned release, or wherever the official CLI (which bundles the current
// host) is installed, as on the operators' machines.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// legacyHost is the v3.68.0 host's file name, next to this executable.
const legacyHost = "cdb-nodejs-host-v3.68.0"

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "cdb nodejs adapter: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	hosts := &legacyHosts{path: filepath.Join(filepath.Dir(self), legacyHost), args: os.Args[1:], conns: map[string]*grpc.ClientConn{}}
	defer hosts.close()
	// The host every call but Run goes to, with our arguments unchanged (engine address, flags).
	conn, err := hosts.get(nil)
	if err != nil {
		return err
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			srv.RegisterService(&interceptedCalls, &adapter{hosts: hosts})
			return nil
		},
		Options: []grpc.ServerOption{
			grpc.ForceServerCodec(passThrough{}),
			grpc.UnknownServiceHandler(forwardTo(conn)),
		},
	})
	if err != nil {
		return err
	}
	fmt.Printf("%d\n", handle.Port)
	return <-handle.Done
}

// legacyHosts starts v3.68.0 hosts on demand, one per set of flags. That host
// reads the project's runtime options (typescript, nodeargs, tsconfig) only
// from its command line, where older CLIs put them; current CLIs send
// them in each request's ProgramInfo instead, so without this a project's
// `typescript: false` was ignored and every program ran under ts-node.
type legacyHosts struct {
	path  string
	args  []string
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
	procs []*exec.Cmd
}

func (h *legacyHosts) get(flags []string) (*grpc.ClientConn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := strings.Join(flags, "\x00")
	if conn, ok := h.conns[key]; ok {
		return conn, nil
	}
	// Flags first: Go's flag package stops at the engine address.
	child := exec.Command(h.path, append(append([]string{}, flags...), h.args...)...)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := child.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", legacyHost, err)
	}
	h.procs = append(h.procs, child)
	go exitWithParent(child)
	reader := bufio.NewReader(out)
	line, err := reader.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("read the port of %s: %w", legacyHost, err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return nil, fmt.Errorf("%s printed %q instead of its port", legacyHost, line)
	}
	go io.Copy(os.Stdout, reader) //nolint:errcheck

	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(passThrough{})), rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, err
	}
	h.conns[key] = conn
	return conn, nil
}

func (h *legacyHosts) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close() //nolint:errcheck
	}
	for _, p := range h.procs {
		p.Process.Kill() //nolint:errcheck
	}
}

// runtimeFlags are the legacy host's flags for a project's runtime options,
// none where an option keeps the host's default.
func runtimeFlags(info *pulumirpc.ProgramInfo) []string {
	var flags []string
	opts := info.GetOptions().AsMap()
	if ts, ok := opts["typescript"].(bool); ok && !ts {
		flags = append(flags, "-typescript=false")
	}
	if s, ok := opts["nodeargs"].(string); ok && s != "" {
		flags = append(flags, "-nodeargs="+s)
	}
	if s, ok := opts["tsconfig"].(string); ok && s != "" {
		flags = append(flags, "-tsconfig="+s)
	}
	return flags
}

// exitWithParent ends the adapter and the legacy host when the engine that
// started them is gone: a CLI killed hard never closes its plugins, and the
// two would otherwise keep their ports open forever.
func exitWithParent(child *exec.Cmd) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			child.Process.Kill() //nolint:errcheck
			os.Exit(1)
		}
	}
}

// interceptedCalls registers Run and RunPlugin alone: gRPC hands every other
// method of the service to the unknown-service handler, which forwards it.
var interceptedCalls = grpc.ServiceDesc{
	ServiceName: "pulumirpc.LanguageRuntime",
	HandlerType: (*interface {
		RunPlugin(*pulumirpc.RunPluginRequest, pulumirpc.LanguageRuntime_RunPluginServer) error
	})(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Run",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			req := new(pulumirpc.RunRequest)
			if err := dec(req); err != nil {
				return nil, err
			}
			return srv.(*adapter).Run(ctx, req)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "RunPlugin",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			req := new(pulumirpc.RunPluginRequest)
			if err := stream.RecvMsg(req); err != nil {
				return err
			}
			return srv.(*adapter).RunPlugin(req, &grpc.GenericServerStream[pulumirpc.RunPluginRequest, pulumirpc.RunPluginResponse]{ServerStream: stream})
		},
	}},
}

type adapter struct{ hosts *legacyHosts }

// Run hands the program to a legacy host started with the project's runtime
// options as flags (the host started first when the project sets none).
func (a *adapter) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	conn, err := a.hosts.get(runtimeFlags(req.GetInfo()))
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "cdb nodejs adapter: %v", err)
	}
	md, _ := metadata.FromIncomingContext(ctx)
	return pulumirpc.NewLanguageRuntimeClient(conn).Run(metadata.NewOutgoingContext(ctx, md.Copy()), req)
}

// RunPlugin starts a nodejs policy pack as the current host does: a policy
// proxy fetches the stack's configuration from the engine, the pack runs as
// `node <@pulumi/pulumi/cmd/run-policy-pack> <args…> <pack dir>` in the pack's
// directory with that configuration in its environment, and the proxy then
// attaches to it. Like the official host, it does not pass
// PULUMI_CONFIG_SECRET_KEYS: a pack must not rely on it.
func (*adapter) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.Kind != "analyzer" {
		return status.Errorf(codes.Unimplemented, "cdb nodejs adapter runs policy packs only, not %q plugins", req.Kind)
	}
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.Info.ProgramDirectory
	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	resolve := exec.Command(node, "-e", "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")
	resolve.Dir = dir
	runPath, err := resolve.Output()
	if err != nil {
		return fmt.Errorf("cannot resolve @pulumi/pulumi/cmd/run-policy-pack from %s: %w", dir, err)
	}

	env := req.Env
	if typescript, ok := req.Info.GetOptions().AsMap()["typescript"].(bool); !ok || typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	proxy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start policy pack proxy: %w", err)
	}
	cfg, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get stack configuration: %w", err)
	}
	if cfg != nil {
		set := func(k, v string) {
			if v != "" {
				env = append(env, k+"="+v)
			}
		}
		set("PULUMI_NODEJS_ORGANIZATION", cfg.Organization)
		set("PULUMI_NODEJS_PROJECT", cfg.Project)
		set("PULUMI_NODEJS_STACK", cfg.Stack)
		set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.DryRun))
		if cfg.Config != nil {
			text, err := json.Marshal(cfg.Config)
			if err != nil {
				return err
			}
			set("PULUMI_CONFIG", string(text))
		}
	}

	args := append(append([]string{string(runPath)}, req.Args...), dir)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := proxy.Attach(ctx, cmd); err != nil {
		return fmt.Errorf("policy pack exited: %w", err)
	}
	return closer.Close()
}

// forwardTo relays any call, unparsed, to the legacy host and its answer back,
// keeping status codes, so the engine sees the legacy host's own replies
// (Unimplemented for calls newer than v3.68.0, which the engine tolerates).
func forwardTo(conn *grpc.ClientConn) grpc.StreamHandler {
	return func(_ any, in grpc.ServerStream) error {
		method, _ := grpc.MethodFromServerStream(in)
		md, _ := metadata.FromIncomingContext(in.Context())
		ctx, cancel := context.WithCancel(metadata.NewOutgoingContext(in.Context(), md.Copy()))
		defer cancel()
		out, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
		if err != nil {
			return err
		}
		go func() {
			for {
				f := new(frame)
				if err := in.RecvMsg(f); err != nil {
					out.CloseSend() //nolint:errcheck
					return
				}
				if err := out.SendMsg(f); err != nil {
					return
				}
			}
		}()
		for first := true; ; first = false {
			f := new(frame)
			if err := out.RecvMsg(f); err != nil {
				in.SetTrailer(out.Trailer())
				if err == io.EOF {
					return nil
				}
				return err
			}
			if first {
				if h, err := out.Header(); err == nil {
					in.SendHeader(h) //nolint:errcheck
				}
			}
			if err := in.SendMsg(f); err != nil {
				return err
			}
		}
	}
}

// frame is a message forwarded without decoding.
type frame struct{ bytes []byte }

// passThrough encodes frames as they are and everything else as protobuf.
type passThrough struct{}

func (passThrough) Marshal(v any) ([]byte, error) {
	if f, ok := v.(*frame); ok {
		return f.bytes, nil
	}
	return proto.Marshal(v.(proto.Message))
}

func (passThrough) Unmarshal(data []byte, v any) error {
	if f, ok := v.(*frame); ok {
		f.bytes = append([]byte(nil), data...)
		return nil
	}
	return proto.Unmarshal(data, v.(proto.Message))
}

func (passThrough) Name() string { return "proto" }
