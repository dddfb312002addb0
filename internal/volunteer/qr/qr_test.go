package qr_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/vneid-guide/vneidbot/internal/volunteer/qr"
)

// TestQRDecodesToTheLink draws the printable PNG and reads it back with a
// QR decoder (ZXing's port), as a phone camera would.
func TestQRDecodesToTheLink(t *testing.T) {
	link := "https://hotro.example.gov.vn/?ref=v_k7m2p9xq"
	data, err := qr.PNG(link, "Trợ lý hướng dẫn VNeID", "Quét mã để được hướng dẫn cài và kích hoạt VNeID miễn phí · v_k7m2p9xq")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() <= b.Dx() {
		t.Fatalf("image is %v: want a printable portrait page with room for the caption", b)
	}
	if got := decodeQR(t, img); got != link {
		t.Fatalf("QR decodes to %q, want %q", got, link)
	}
	// The caption is drawn: there is dark ink below the code.
	b := img.Bounds()
	dark := 0
	for y := b.Max.Y - 60; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark < 200 {
		t.Fatalf("caption area has %d dark pixels", dark)
	}
	if _, err := qr.PNG("", "x", "y"); err == nil {
		t.Fatal("an empty link gave a QR code")
	}
}

// TestQRReadableForEveryCode: these volunteer codes' links came out of the
// encoder's first choice with a code ZXing could not read (about one code
// in 200); the printed page must still read back.
func TestQRReadableForEveryCode(t *testing.T) {
	for _, code := range []string{"ccwvunf7", "jhppwdyt", "vztawgax"} {
		link := "https://hotro.example.gov.vn/?ref=v_" + code
		data, err := qr.PNG(link, "Trợ lý hướng dẫn VNeID", "v_"+code)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, img); got != link {
			t.Errorf("QR for %s decodes to %q", code, got)
		}
	}
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}
