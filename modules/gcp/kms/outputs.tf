output "key_id" {
  description = "ID of the crypto key (pass it to customer-managed key inputs)."
  value       = google_kms_crypto_key.this.id
}
