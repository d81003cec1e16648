package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// HTTPClient speaks Gubernator's HTTP gateway the way a Gubernator HTTP client does: it POSTs
// protojson (lowerCamel names such as "uniqueKey", int64 as strings, enums by name) and GETs
// the health endpoints. It implements gubernator.V1Client, so a scenario runs unchanged over
// gRPC and HTTP. A non-200 answer becomes a gRPC status from the gateway's error body
// {"code":N,"message":...}.
type HTTPClient struct {
	Base string // http://host:port
	// LastBody is the raw JSON of the last answer, for checks on the wire shape.
	LastBody []byte
	client   http.Client
}

// NewHTTPClient talks to the gateway at addr (host:port).
func NewHTTPClient(addr string) *HTTPClient {
	return &HTTPClient{Base: "http://" + addr, client: http.Client{Timeout: 10 * time.Second}}
}

var _ gubernator.V1Client = (*HTTPClient)(nil)

func (h *HTTPClient) GetRateLimits(ctx context.Context, in *gubernator.GetRateLimitsReq,
	_ ...grpc.CallOption) (*gubernator.GetRateLimitsResp, error) {
	body, err := protojson.Marshal(in)
	if err != nil {
		return nil, err
	}
	out := &gubernator.GetRateLimitsResp{}
	return out, h.do(ctx, http.MethodPost, "/v1/GetRateLimits", body, out)
}

func (h *HTTPClient) HealthCheck(ctx context.Context, _ *gubernator.HealthCheckReq,
	_ ...grpc.CallOption) (*gubernator.HealthCheckResp, error) {
	out := &gubernator.HealthCheckResp{}
	return out, h.do(ctx, http.MethodGet, "/v1/HealthCheck", nil, out)
}

func (h *HTTPClient) LiveCheck(ctx context.Context, _ *gubernator.LiveCheckReq,
	_ ...grpc.CallOption) (*gubernator.LiveCheckResp, error) {
	out := &gubernator.LiveCheckResp{}
	return out, h.do(ctx, http.MethodGet, "/v1/LiveCheck", nil, out)
}

// Raw sends body to path and returns the HTTP status and the answer's bytes.
func (h *HTTPClient) Raw(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.Base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (h *HTTPClient) do(ctx context.Context, method, path string, body []byte, out proto.Message) error {
	code, data, err := h.Raw(ctx, method, path, body)
	if err != nil {
		return err
	}
	h.LastBody = data
	if code != http.StatusOK {
		var e struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &e) != nil {
			return fmt.Errorf("HTTP %d: %s", code, data)
		}
		return status.Error(codes.Code(e.Code), e.Message)
	}
	// Unknown fields are ignored, as grpc-gateway itself and JSON clients do.
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, out)
}
