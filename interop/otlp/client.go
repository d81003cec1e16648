package otlp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec sends and receives bytes as they are: the test builds pb.gubernator messages with
// protowire, so this module needs no generated Gubernator code.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "raw" }

var _ encoding.Codec = rawCodec{}

// Item is one RateLimitReq (token bucket).
type Item struct {
	Name, Key             string
	Hits, Limit, Duration int64
}

// Answer is one RateLimitResp's fields the tests read.
type Answer struct {
	Status    int64 // 0 UNDER_LIMIT, 1 OVER_LIMIT
	Remaining int64
	Error     string
	Owner     string // metadata["owner"]
}

func encodeRequest(items []Item) []byte {
	var out []byte
	for _, it := range items {
		var r []byte
		r = protowire.AppendTag(r, 1, protowire.BytesType)
		r = protowire.AppendString(r, it.Name)
		r = protowire.AppendTag(r, 2, protowire.BytesType)
		r = protowire.AppendString(r, it.Key)
		r = protowire.AppendTag(r, 3, protowire.VarintType)
		r = protowire.AppendVarint(r, uint64(it.Hits))
		r = protowire.AppendTag(r, 4, protowire.VarintType)
		r = protowire.AppendVarint(r, uint64(it.Limit))
		r = protowire.AppendTag(r, 5, protowire.VarintType)
		r = protowire.AppendVarint(r, uint64(it.Duration))
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, r)
	}
	return out
}

func decodeAnswer(b []byte) (Answer, error) {
	var a Answer
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return a, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return a, protowire.ParseError(m)
			}
			switch num {
			case 1:
				a.Status = int64(v)
			case 3:
				a.Remaining = int64(v)
			}
			b = b[m:]
		case typ == protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return a, protowire.ParseError(m)
			}
			if num == 5 {
				a.Error = string(v)
			}
			if num == 6 { // map<string,string> metadata entry
				var key, value string
				for e := v; len(e) > 0; {
					en, et, k := protowire.ConsumeTag(e)
					if k < 0 || et != protowire.BytesType {
						return a, fmt.Errorf("bad metadata entry")
					}
					e = e[k:]
					s, k := protowire.ConsumeBytes(e)
					if k < 0 {
						return a, protowire.ParseError(k)
					}
					e = e[k:]
					if en == 1 {
						key = string(s)
					} else {
						value = string(s)
					}
				}
				if key == "owner" {
					a.Owner = value
				}
			}
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return a, protowire.ParseError(m)
			}
			b = b[m:]
		}
	}
	return a, nil
}

// GetRateLimits calls pb.gubernator.V1/GetRateLimits on conn with `traceparent` metadata
// (none when empty) and returns the answers.
func GetRateLimits(ctx context.Context, conn *grpc.ClientConn, traceparent string,
	items []Item) ([]Answer, error) {
	if traceparent != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", traceparent)
	}
	req := encodeRequest(items)
	var resp []byte
	if err := conn.Invoke(ctx, "/pb.gubernator.V1/GetRateLimits", &req, &resp,
		grpc.ForceCodec(rawCodec{})); err != nil {
		return nil, err
	}
	var answers []Answer
	for b := resp; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num != 1 || typ != protowire.BytesType {
			return nil, fmt.Errorf("unexpected GetRateLimitsResp field %d", num)
		}
		b = b[n:]
		v, m := protowire.ConsumeBytes(b)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		b = b[m:]
		a, err := decodeAnswer(v)
		if err != nil {
			return nil, err
		}
		answers = append(answers, a)
	}
	return answers, nil
}

// Dial connects to a node's gRPC address.
func Dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// Metric reads one sample of the node's /metrics ("name{labels}" exactly as exposed); 0 when
// the series is absent.
func Metric(httpAddr, series string) (float64, error) {
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(string(body))
	if m == nil {
		return 0, nil
	}
	return strconv.ParseFloat(strings.TrimSpace(m[1]), 64)
}
