# Compute layer (GCP): a regional managed instance group of Shielded VMs without external
# IPs, OS Login only, a dedicated service account and disks encrypted with the
# customer-managed key when given; autoscaled between min_size and max_size.

resource "google_service_account" "this" {
  account_id   = substr("${var.name}-vm", 0, 30)
  display_name = "Instances of ${var.name}"
}

resource "google_compute_instance_template" "this" {
  name_prefix  = "${var.name}-"
  machine_type = var.instance_type
  region       = var.region

  disk {
    source_image = var.source_image
    auto_delete  = true
    boot         = true
    disk_size_gb = var.root_volume_size

    dynamic "disk_encryption_key" {
      for_each = var.kms_key_id == null ? [] : [1]

      content {
        kms_key_self_link = var.kms_key_id
      }
    }
  }

  network_interface {
    subnetwork = var.subnet_id
  }

  metadata = {
    enable-oslogin         = "TRUE"
    block-project-ssh-keys = "TRUE"
  }

  service_account {
    email  = google_service_account.this.email
    scopes = ["cloud-platform"]
  }

  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  labels = var.labels

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_region_instance_group_manager" "this" {
  name               = var.name
  region             = var.region
  base_instance_name = var.name

  version {
    instance_template = google_compute_instance_template.this.id
  }

  update_policy {
    type                  = "PROACTIVE"
    minimal_action        = "REPLACE"
    max_unavailable_fixed = 3
  }
}

resource "google_compute_region_autoscaler" "this" {
  name   = var.name
  region = var.region
  target = google_compute_region_instance_group_manager.this.id

  autoscaling_policy {
    min_replicas = var.min_size
    max_replicas = var.max_size

    cpu_utilization {
      target = 0.6
    }
  }
}
