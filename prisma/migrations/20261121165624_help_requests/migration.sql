-- CreateEnum
CREATE TYPE "HelpRequestStatus" AS ENUM ('open', 'accepted', 'cancelled', 'expired');

-- CreateTable
CREATE TABLE "help_requests" (
    "id" TEXT NOT NULL,
    "student_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "message" TEXT,
    "target_type" "UserRole",
    "status" "HelpRequestStatus" NOT NULL DEFAULT 'open',
    "accepted_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "help_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "help_requests_status_expires_at_idx" ON "help_requests"("status", "expires_at");

-- CreateIndex
CREATE INDEX "help_requests_student_id_created_at_idx" ON "help_requests"("student_id", "created_at");

-- AddForeignKey
ALTER TABLE "help_requests" ADD CONSTRAINT "help_requests_student_id_fkey" FOREIGN KEY ("student_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "help_requests" ADD CONSTRAINT "help_requests_accepted_by_fkey" FOREIGN KEY ("accepted_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
