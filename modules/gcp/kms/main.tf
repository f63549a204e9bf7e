# Customer-managed key (GCP): a Cloud KMS key ring and a key rotating every 90 days, with
# the service agents that encrypt with it allowed to use it.

resource "google_kms_key_ring" "this" {
  name     = var.name
  location = var.region
}

resource "google_kms_crypto_key" "this" {
  name            = "data-at-rest"
  key_ring        = google_kms_key_ring.this.id
  rotation_period = "7776000s"

  lifecycle {
    prevent_destroy = true
  }
}

# count (not for_each): service agent addresses contain the project number, unknown until apply.
resource "google_kms_crypto_key_iam_member" "encrypters" {
  count = length(var.encrypter_members)

  crypto_key_id = google_kms_crypto_key.this.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = var.encrypter_members[count.index]
}
