package awsfake

import (
	"bytes"
	"encoding/xml"
	"net/http"
)

// writeQueryResult writes the AWS query protocol's answer:
// <ActionResponse xmlns=namespace><ActionResult>...</ActionResult>
// <ResponseMetadata>...</ResponseMetadata></ActionResponse>. A nil result
// has no Result element.
func writeQueryResult(w http.ResponseWriter, namespace, action string, result any, reqID string) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: namespace}},
	}
	meta := struct {
		RequestID string `xml:"RequestId"`
	}{reqID}
	err := enc.EncodeToken(start)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		writeQueryError(w, namespace, reqID, &stsError{http.StatusInternalServerError, "InternalFailure", "encoding the response failed"})
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// queryErrorResponse is the query protocol's error body; its namespace is
// set per service.
type queryErrorResponse struct {
	XMLName xml.Name
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// writeQueryError writes <ErrorResponse xmlns=namespace>: Type is Sender
// for 4xx and Receiver for 5xx, as AWS sends them.
func writeQueryError(w http.ResponseWriter, namespace, reqID string, e *stsError) {
	out := queryErrorResponse{XMLName: xml.Name{Space: namespace, Local: "ErrorResponse"}, RequestID: reqID}
	out.Error.Type = "Sender"
	if e.status >= 500 {
		out.Error.Type = "Receiver"
	}
	out.Error.Code = e.code
	out.Error.Message = e.message
	body, err := xml.Marshal(out)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}
