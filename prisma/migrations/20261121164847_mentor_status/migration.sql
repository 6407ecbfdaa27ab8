-- CreateEnum
CREATE TYPE "MentorStatus" AS ENUM ('available', 'busy');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "mentor_status" "MentorStatus" NOT NULL DEFAULT 'available',
ADD COLUMN     "status_message" TEXT;
